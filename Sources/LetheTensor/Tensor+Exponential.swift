extension Tensor {
    /// Replaces each of `count` values x by exp(scale · x − shift) and returns their sum: the numerator pass of a
    /// softmax, eight lanes at a time. Requires scale · x − shift ≤ 0 (shift is the row's largest scaled value).
    static func exponentiateAndSum(_ values: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float) -> Float {
        // exp(y) = 2^(y·log2 e), with y = scale·x − shift formed first (as torch does) so that scores far from 0
        // but close to the maximum keep their difference exact.
        let log2e = SIMD8<Float>(repeating: 1.442_695_04)
        let scaleLanes = SIMD8<Float>(repeating: scale), shiftLanes = SIMD8<Float>(repeating: shift)
        var sums = SIMD8<Float>(repeating: 0)
        var index = 0
        let raw = UnsafeMutableRawPointer(values)
        while index + 8 <= count {
            let lane = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            let e = exponential2((lane * scaleLanes - shiftLanes) * log2e)
            raw.storeBytes(of: e, toByteOffset: index * 4, as: SIMD8<Float>.self)
            sums += e
            index += 8
        }
        var total = sums.sum()
        if index < count {
            var tail = SIMD8<Float>(repeating: -.infinity)
            for lane in 0..<(count - index) { tail[lane] = (values[index + lane] * scale - shift) * log2e[0] }
            let e = exponential2(tail)
            for lane in 0..<(count - index) {
                values[index + lane] = e[lane]
                total += e[lane]
            }
        }
        return total
    }

    /// 2^t for eight t ≤ 0: 2ⁿ · p(f) with n = round(t), f = t − n ∈ [−½, ½] and p a degree-6 polynomial for 2^f
    /// (least-squares fit for relative error: 2e-9 on the interval, about 1 ulp after float32 rounding).
    /// t below −126 gives 0.
    @inline(__always)
    static func exponential2(_ t: SIMD8<Float>) -> SIMD8<Float> {
        let lower = SIMD8<Float>(repeating: -126)
        let clamped = t.replacing(with: lower, where: t .< lower)
        // Adding 1.5·2²³ rounds to the nearest integer n, which then sits in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let rounded = clamped + magic
        let f = clamped - (rounded - magic)
        var p = SIMD8<Float>(repeating: 1.537_071_5e-4)
        p = p * f + 1.339_985_8e-3
        p = p * f + 9.618_373_6e-3
        p = p * f + 5.550_329_0e-2
        p = p * f + 2.402_264_8e-1
        p = p * f + 6.931_471_8e-1
        p = p * f + 1
        let exponent = (unsafeBitCast(rounded, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return (p * unsafeBitCast(exponent, to: SIMD8<Float>.self)).replacing(with: 0, where: t .< lower)
    }
}
