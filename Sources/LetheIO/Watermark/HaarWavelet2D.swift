/// One level of the two-dimensional Haar wavelet transform as PyWavelets computes it in float64
/// (`pywt.dwt2(x, "haar")` and `pywt.idwt2`), operation for operation: along the rows' axis first, then along the
/// columns', each output the rounded sum of two rounded products with ±1/√2. The watermark truncates the
/// inverse to integers, so a value one ulp under an integer PyWavelets lands on must land there here too.
/// Sizes are even (the watermark only transforms a region whose sides are multiples of 4).
struct HaarWavelet2D {
    /// PyWavelets' Haar filter tap, 1/√2 as it stores it.
    static let tap = 0.7071067811865476

    /// Rows and columns of each subband: half the plane's.
    let rows: Int
    let columns: Int
    /// pywt's cA: low-pass along both axes.
    var approximation: [Double]
    /// pywt's cH: high-pass along the rows' axis (vertical), low-pass along the columns'.
    var horizontal: [Double]
    /// pywt's cV: low-pass along the rows' axis, high-pass along the columns'.
    var vertical: [Double]
    /// pywt's cD: high-pass along both.
    var diagonal: [Double]

    /// The transform of a `rows * 2` by `columns * 2` plane of bytes (row-major, `stride` bytes per row).
    init(plane: UnsafeBufferPointer<UInt8>, stride: Int, rows planeRows: Int, columns planeColumns: Int) {
        precondition(planeRows % 2 == 0 && planeColumns % 2 == 0, "the Haar plane must have even sides")
        let c = Self.tap
        let rows = planeRows / 2, columns = planeColumns / 2
        // Along axis 0: pairs of rows. pywt's downsampling convolution gives f0·x[2k+1] + f1·x[2k] with
        // dec_lo = (c, c) and dec_hi = (−c, c).
        var low = [Double](repeating: 0, count: rows * planeColumns), high = low
        for k in 0..<rows {
            for j in 0..<planeColumns {
                let even = Double(plane[2 * k * stride + j]), odd = Double(plane[(2 * k + 1) * stride + j])
                low[k * planeColumns + j] = c * odd + c * even
                high[k * planeColumns + j] = c * even - c * odd
            }
        }
        // Then axis 1 on each half: pairs of columns.
        func split(_ source: [Double]) -> (low: [Double], high: [Double]) {
            var lowOut = [Double](repeating: 0, count: rows * columns), highOut = lowOut
            for k in 0..<rows {
                for l in 0..<columns {
                    let even = source[k * planeColumns + 2 * l], odd = source[k * planeColumns + 2 * l + 1]
                    lowOut[k * columns + l] = c * odd + c * even
                    highOut[k * columns + l] = c * even - c * odd
                }
            }
            return (lowOut, highOut)
        }
        let (approximation, vertical) = split(low), (horizontal, diagonal) = split(high)
        self.rows = rows
        self.columns = columns
        self.approximation = approximation
        self.horizontal = horizontal
        self.vertical = vertical
        self.diagonal = diagonal
    }

    /// The inverse (`pywt.idwt2((cA, (cH, cV, cD)), "haar")`): a `rows * 2` by `columns * 2` plane, row-major.
    /// pywt adds the low-pass reconstruction (rec_lo = (c, c)) and then the high-pass one (rec_hi = (c, −c)):
    /// even outputs c·a + c·d, odd outputs c·a − c·d. Along axis 1 first, then axis 0.
    func inverse() -> [Double] {
        let c = Self.tap
        let planeColumns = columns * 2
        func merge(_ low: [Double], _ high: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: rows * planeColumns)
            for k in 0..<rows {
                for l in 0..<columns {
                    let a = low[k * columns + l], d = high[k * columns + l]
                    out[k * planeColumns + 2 * l] = c * a + c * d
                    out[k * planeColumns + 2 * l + 1] = c * a - c * d
                }
            }
            return out
        }
        let low = merge(approximation, vertical), high = merge(horizontal, diagonal)
        var plane = [Double](repeating: 0, count: rows * 2 * planeColumns)
        for k in 0..<rows {
            for j in 0..<planeColumns {
                let a = low[k * planeColumns + j], d = high[k * planeColumns + j]
                plane[2 * k * planeColumns + j] = c * a + c * d
                plane[(2 * k + 1) * planeColumns + j] = c * a - c * d
            }
        }
        return plane
    }
}
