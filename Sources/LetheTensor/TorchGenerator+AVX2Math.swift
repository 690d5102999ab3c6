extension TorchGenerator {
    /// One lane of torch's AVX2 `NormalFill16` (aten/src/ATen/native/cpu/avx_mathfun.h, Cephes polynomials after
    /// Pommier's `sse_mathfun`), operation for operation in float32. The `addingProduct` calls are the fused
    /// multiply–adds GCC emitted in the released `libtorch_cpu.so`; every other product and sum is rounded on its
    /// own, as in that machine code. Constants are the float32 values the header's decimal literals round to,
    /// written as bit patterns so no literal conversion can change them.
    enum AVX2Math {
        static let one: Float = 1
        static let half: Float = 0.5
        static let twoPi = Float(bitPattern: 0x40C9_0FDB)  // float(2π)
        static let minimumNormal = Float(bitPattern: 0x0080_0000)
        static let squareRootHalf = Float(bitPattern: 0x3F35_04F3)
        static let logCoefficients: [Float] = [
            0x3D90_21BB, 0xBDEB_D1B8, 0x3DEF_251A, 0xBDFE_5D4F, 0x3E11_E9BF,
            0xBE2A_AE50, 0x3E4C_CEAC, 0xBE7F_FFFC, 0x3EAA_AAAA,
        ].map(Float.init(bitPattern:))
        static let logQ1 = Float(bitPattern: 0xB95E_8083)  // -2.12194440e-4
        static let logQ2 = Float(bitPattern: 0x3F31_8000)  // 0.693359375
        static let fourOverPi = Float(bitPattern: 0x3FA2_F983)
        static let minusPiOver4Parts = (
            Float(bitPattern: 0xBF49_0000), Float(bitPattern: 0xB97D_A000), Float(bitPattern: 0xB322_2169))
        static let sineCoefficients = (
            Float(bitPattern: 0xB94C_A1F9), Float(bitPattern: 0x3C08_839E), Float(bitPattern: 0xBE2A_AAA3))
        static let cosineCoefficients = (
            Float(bitPattern: 0x37CC_F5CE), Float(bitPattern: 0xBAB6_061A), Float(bitPattern: 0x3D2A_AAA5))

        /// `log256_ps`: natural logarithm; NaN for arguments ≤ 0.
        @inline(__always)
        static func log(_ argument: Float) -> Float {
            // _mm256_max_ps(x, min_norm) returns the second operand unless x > min_norm (so NaN → min_norm).
            let clamped = argument > minimumNormal ? argument : minimumNormal
            let bits = clamped.bitPattern
            var exponent = Float(Int32(bitPattern: bits >> 23) &- 0x7F) + one
            // Mantissa with the exponent of 0.5: a value in [0.5, 1).
            var x = Float(bitPattern: (bits & ~0x7F80_0000) | half.bitPattern)
            let isSmall = x < squareRootHalf
            let addBack: Float = isSmall ? x : 0
            x = x - one
            exponent = exponent - (isSmall ? one : 0)
            x = x + addBack
            let z = x * x
            var y = logCoefficients[0]
            for index in 1..<logCoefficients.count {
                y = logCoefficients[index].addingProduct(y, x)
            }
            y = y * x
            y = (exponent * logQ1).addingProduct(y, z)
            y = y.addingProduct(-z, half)
            x = x + y
            x = x.addingProduct(exponent, logQ2)
            return argument <= 0 ? Float(bitPattern: 0xFFFF_FFFF) : x
        }

        /// `sincos256_ps`: sine and cosine, for the finite angles `normal_fill` passes (0 ≤ θ < 2π).
        @inline(__always)
        static func sinCos(_ angle: Float) -> (sin: Float, cos: Float) {
            let signBit: UInt32 = 0x8000_0000
            var x = Float(bitPattern: angle.bitPattern & ~signBit)
            var sineSign = angle.bitPattern & signBit
            // Octant j, rounded up to even (the Cephes reduction).
            var octant = Int32(x * fourOverPi)  // truncation, as _mm256_cvttps_epi32
            octant = (octant &+ 1) & ~1
            let y = Float(octant)
            sineSign ^= UInt32(bitPattern: octant & 4) << 29
            let usesCosinePolynomialForCosine = (octant & 2) == 0
            x = x.addingProduct(y, minusPiOver4Parts.0)
            x = x.addingProduct(y, minusPiOver4Parts.1)
            x = x.addingProduct(y, minusPiOver4Parts.2)
            let cosineSign = UInt32(bitPattern: ~(octant &- 2) & 4) << 29

            let z = x * x
            var cosine = cosineCoefficients.0
            cosine = cosineCoefficients.1.addingProduct(cosine, z)
            cosine = cosineCoefficients.2.addingProduct(cosine, z)
            cosine = z * cosine
            cosine = (-(z * half)).addingProduct(z, cosine)
            cosine = cosine + one

            var sine = sineCoefficients.0
            sine = sineCoefficients.1.addingProduct(sine, z)
            sine = sineCoefficients.2.addingProduct(sine, z)
            sine = z * sine
            sine = x.addingProduct(x, sine)

            // The masked blend adds +0 to the selected polynomial (turning −0 into +0), then flips signs.
            let (sinePart, cosinePart) = usesCosinePolynomialForCosine ? (sine, cosine) : (cosine, sine)
            return (Float(bitPattern: (0 + sinePart).bitPattern ^ sineSign),
                    Float(bitPattern: (cosinePart + 0).bitPattern ^ cosineSign))
        }

        /// `NormalFill16<float>` with mean 0 and std 1: Box–Muller in place on 16 uniforms, pairing lane `j`
        /// (radius from 1 − u) with lane `j + 8` (angle); the cosine goes to `j`, the sine to `j + 8`.
        static func fill16(_ data: UnsafeMutablePointer<Float>) {
            for lane in 0..<8 {
                let radius = (-2 * log(one - data[lane])).squareRoot()
                let angle = twoPi * data[lane + 8]
                let (sine, cosine) = sinCos(angle)
                data[lane] = Float(0).addingProduct(radius * cosine, 1)
                data[lane + 8] = Float(0).addingProduct(radius * sine, 1)
            }
        }
    }
}
