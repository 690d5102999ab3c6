// Eight-lane float32 functions for the activation backward kernels, built on `Tensor.exponential2` (which takes
// arguments ≤ 0): every exponential below is of a non-positive number, so nothing overflows.

extension SIMD8 where Scalar == Float {
    /// |x| lane by lane.
    @inline(__always)
    var absoluteValue: SIMD8<Float> { replacing(with: -self, where: self .< 0) }

    /// e^(−|x|).
    @inline(__always)
    static func decayingExponential(_ x: SIMD8<Float>) -> SIMD8<Float> {
        Tensor.exponential2(x.absoluteValue * SIMD8(repeating: -1.442_695_04))
    }

    /// 1 / (1 + e^(−x)), as 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0 with e = e^(−|x|).
    @inline(__always)
    static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let e = decayingExponential(x)
        let reciprocal = 1 / (1 + e)
        return reciprocal.replacing(with: e * reciprocal, where: x .< 0)
    }

    /// tanh(x) = sign(x) · (1 − e)/(1 + e) with e = e^(−2|x|).
    @inline(__always)
    static func hyperbolicTangent(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let e = decayingExponential(x + x)
        let magnitude = (1 - e) / (1 + e)
        return magnitude.replacing(with: -magnitude, where: x .< 0)
    }

    /// The standard normal CDF Φ(x) and density φ(x). The upper tail is ½·e^(−z²)·R(z), z = |x|/√2, with
    /// R(z) = erfc(z)·e^(z²) a degree-8 polynomial in u = 1/(1 + 0.4·z) fitted by Scripts/reference/fit_normal_tail.py
    /// (relative error 1.4e-8; |Φ error| ≤ 1.8e-7 after float32 rounding, about the rounding of Φ near 1).
    @inline(__always)
    static func normalDistribution(_ x: SIMD8<Float>) -> (cdf: SIMD8<Float>, density: SIMD8<Float>) {
        let z = x.absoluteValue * SIMD8(repeating: 0.707_106_78)
        let u = 1 / (1 + 0.4 * z)
        var r = SIMD8<Float>(repeating: 8.802_457_061e-2)
        r = r * u - 4.661_950_026e-1
        r = r * u + 8.448_501_637e-1
        r = r * u - 5.751_613_756e-1
        r = r * u + 5.629_982_591e-1
        r = r * u + 6.580_001_985e-2
        r = r * u + 2.579_895_691e-1
        r = r * u + 2.214_518_398e-1
        r = r * u + 2.419_701_984e-4
        let gaussian = Tensor.exponential2(z * z * SIMD8(repeating: -1.442_695_04))
        let tail = 0.5 * r * gaussian
        return ((1 - tail).replacing(with: tail, where: x .< 0), gaussian * SIMD8(repeating: 0.398_942_28))
    }
}
