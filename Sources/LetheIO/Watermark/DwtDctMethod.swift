import Foundation

/// The invisible-watermark package's `dwtDct` method (its `EmbedMaxDct` class with its defaults: block 4, scales
/// [0, 36, 36]), the mark Stable Diffusion's own scripts put on their images, reproduced to the byte:
///
/// 1. RGB to YUV as OpenCV does it on bytes (`OpenCVYUV`).
/// 2. Only U is marked: the package's scales give Y none, and its loop visits channels 0 and 1 only, so V's
///    scale is never used. Of U, the top-left region whose sides are multiples of 4 goes through one level of the
///    Haar transform (`HaarWavelet2D`, as PyWavelets).
/// 3. The approximation subband is cut into 4 × 4 blocks in row-major order; block n carries bit n mod length.
///    Despite the method's name no DCT is taken: in each block the coefficient of largest magnitude other than
///    the first (the first on ties, as NumPy's argmax) has its magnitude moved to the quarter (bit 0) or
///    three-quarter (bit 1) point of its step of 36, keeping its sign.
/// 4. The inverse transform gets the detail subbands swapped (the package passes (cV, cH, cD) where PyWavelets
///    expects (cH, cV, cD)), which exchanges the off-diagonal pixels of every 2 × 2 block of U; the result is
///    cast to bytes as NumPy does, truncating toward zero and wrapping; YUV goes back to RGB as OpenCV does.
///
/// Reading redoes steps 1–3 on the image as given: a block votes 1 when its coefficient's magnitude modulo 36
/// is past 18, and a bit is 1 when its share of votes times 255 exceeds 127, as the package decides.
enum DwtDctMethod {
    /// The package refuses images with fewer pixels than 256 × 256 (it compares rows × columns, so 128 × 512 passes).
    static let minimumPixelCount = 256 * 256
    static let block = 4
    static let scale = 36.0

    /// How many blocks carry bits in a `width` × `height` image: each holds one bit of the mark, repeated.
    static func blockCount(width: Int, height: Int) -> Int {
        (height / 4 * 2 / block) * (width / 4 * 2 / block)
    }

    /// `image` with `bits` (each 0 or 1) embedded. The caller has checked the size.
    static func embed(_ bits: [UInt8], in image: ImageRGB8) -> ImageRGB8 {
        let (y, unmarked, v) = OpenCVYUV.planes(of: image)
        var u = unmarked
        let rows = image.height / 4 * 4, columns = image.width / 4 * 4
        var bands = transform(u, rows: rows, columns: columns, stride: image.width)
        forEachBlock(bands) { number, position in
            let value = bands.approximation[position]
            let bit = Double(bits[number % bits.count])
            let moved = (pythonFloorDivide(abs(value), scale) + 0.25 + 0.5 * bit) * scale
            bands.approximation[position] = value >= 0 ? moved : -moved
        }
        swap(&bands.horizontal, &bands.vertical)
        let marked = bands.inverse()
        for row in 0..<rows {
            for column in 0..<columns {
                // NumPy's float-to-uint8 assignment: truncation toward zero, then the low 8 bits.
                u[row * image.width + column] = UInt8(truncatingIfNeeded: Int(marked[row * columns + column]))
            }
        }
        return OpenCVYUV.image(y: y, u: u, v: v, width: image.width, height: image.height)
    }

    /// For each of `length` bits: the blocks that voted 1 and the blocks that voted.
    static func votes(length: Int, in image: ImageRGB8) -> (ones: [Int], counts: [Int]) {
        let u = OpenCVYUV.planes(of: image).u
        let bands = transform(u, rows: image.height / 4 * 4, columns: image.width / 4 * 4, stride: image.width)
        var ones = [Int](repeating: 0, count: length), counts = ones
        forEachBlock(bands) { number, position in
            let bit = number % length
            counts[bit] += 1
            if fmod(abs(bands.approximation[position]), scale) > 0.5 * scale { ones[bit] += 1 }
        }
        return (ones, counts)
    }

    /// The package's decision for one bit: the mean vote times 255 above 127 (a tie reads as 1; no votes as 0).
    static func decide(ones: Int, count: Int) -> UInt8 {
        Double(ones) / Double(count) * 255 > 127 ? 1 : 0
    }

    private static func transform(_ plane: [UInt8], rows: Int, columns: Int, stride: Int) -> HaarWavelet2D {
        plane.withUnsafeBufferPointer { HaarWavelet2D(plane: $0, stride: stride, rows: rows, columns: columns) }
    }

    /// Calls `body` with each block's number and the index in the approximation subband of the coefficient it
    /// marks or reads.
    private static func forEachBlock(_ bands: HaarWavelet2D, _ body: (Int, Int) -> Void) {
        let columns = bands.columns
        var number = 0
        for blockRow in 0..<(bands.rows / block) {
            for blockColumn in 0..<(columns / block) {
                let origin = blockRow * block * columns + blockColumn * block
                var best = origin + 1, largest = abs(bands.approximation[origin + 1])
                for offset in 2..<(block * block) {
                    let index = origin + offset / block * columns + offset % block
                    let magnitude = abs(bands.approximation[index])
                    if magnitude > largest { (best, largest) = (index, magnitude) }
                }
                body(number, best)
                number += 1
            }
        }
    }

    /// Python's (and NumPy's) float `a // b` for `a` ≥ 0 and `b` > 0: fmod, then the quotient of the exact
    /// difference, floored and corrected, which can differ from `floor(a / b)` where `a / b` rounds up to an integer.
    static func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
        let quotient = (a - fmod(a, b)) / b
        let floored = quotient.rounded(.down)
        return quotient - floored > 0.5 ? floored + 1 : floored
    }
}
