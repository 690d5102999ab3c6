/// The fixed-point weights of one resampling pass along one axis, computed exactly as Pillow's
/// `precompute_coeffs` and `normalize_coeffs_8bpc` do, so that resizing matches PIL bit for bit.
///
/// Output pixel `i` is centred at input coordinate `(i + 0.5) * scale`. When downscaling the kernel is stretched
/// by the scale factor (antialiasing). The float64 weights of each output pixel are normalised to sum to 1, then
/// rounded half away from zero to integers with 22 fractional bits.
struct ImageResamplingCoefficients {
    /// Fractional bits of the fixed-point weights (Pillow's PRECISION_BITS: 32 - 8 - 2).
    static let precisionBits = 22

    /// Maximum number of taps per output pixel; `weights` holds this many per output pixel.
    let kernelSize: Int
    /// Per output pixel: the first input index and the number of taps.
    let firstInput: [Int]
    let tapCount: [Int]
    /// `outputSize * kernelSize` weights; entries past an output pixel's `tapCount` are zero.
    let weights: [Int32]

    init(inputSize: Int, outputSize: Int, filter: ImageResamplingFilter) {
        precondition(inputSize > 0 && outputSize > 0, "resampling needs positive sizes")
        // Pillow passes the box edges as C floats and subtracts them in float before widening.
        let scale = Double(Float(inputSize) - Float(0)) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1 / filterScale

        var firstInput = [Int](repeating: 0, count: outputSize)
        var tapCount = [Int](repeating: 0, count: outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * kernelSize)
        var taps = [Double](repeating: 0, count: kernelSize)
        for output in 0..<outputSize {
            let center = (Double(output) + 0.5) * scale
            // C's (int) conversion truncates toward zero.
            let first = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), inputSize)
            let count = end - first
            var total = 0.0
            for tap in 0..<count {
                let weight = filter.weight((Double(tap + first) - center + 0.5) * inverseFilterScale)
                taps[tap] = weight
                total += weight
            }
            let base = output * kernelSize
            for tap in 0..<count {
                let normalised = total != 0 ? taps[tap] / total : taps[tap]
                let scaled = normalised * Double(1 << Self.precisionBits)
                weights[base + tap] = Int32(normalised < 0 ? -0.5 + scaled : 0.5 + scaled)
            }
            firstInput[output] = first
            tapCount[output] = count
        }
        self.kernelSize = kernelSize
        self.firstInput = firstInput
        self.tapCount = tapCount
        self.weights = weights
    }

    /// Pillow's `clip8`: drop the fractional bits (arithmetic shift) and clamp to 0...255.
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let value = sum >> Int32(precisionBits)
        return value < 0 ? 0 : value > 255 ? 255 : UInt8(truncatingIfNeeded: value)
    }

    /// The rounding offset every accumulator starts from: one half in fixed point.
    static let roundingOffset = Int32(1) << Int32(precisionBits - 1)
}
