/// Exact conversions between float32 and the two 16-bit float formats of model files, by bit manipulation so
/// they are the same on every platform.
///
/// - F16 (IEEE binary16) and BF16 (bfloat16, the upper half of a float32) widen to float32 exactly.
/// - Narrowing rounds to nearest, ties to even, as numpy and torch do; overflow gives ±infinity and tiny values
///   become F16 subnormals or signed zeros.
/// - NaN keeps its sign and the top bits of its payload (numpy's rule for float16); if those bits are all zero the
///   result gets one payload bit set so it stays NaN. Every F16 and BF16 bit pattern thus survives widening and
///   narrowing unchanged. (torch differs only in NaN payloads: its CPU kernels write 0x7E00 or 0xFFFF.)
public enum HalfPrecision {
    // MARK: F16

    /// The float32 value of an F16 bit pattern (exact).
    @inlinable
    public static func float(fromF16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, a normal float32 unless zero.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: magnitude.bitPattern | sign)
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// The F16 bit pattern nearest to `value` (ties to even).
    @inlinable
    public static func f16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x007F_FFFF
        if exponent == 0xFF {
            if mantissa == 0 { return sign | 0x7C00 }
            let payload = UInt16(truncatingIfNeeded: mantissa >> 13)
            return sign | 0x7C00 | (payload == 0 ? 1 : payload)
        }
        let halfExponent = exponent - 112
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Below 2^-25 everything rounds to zero; 2^-25 itself is a tie that goes to the even zero.
            if halfExponent < -10 { return sign }
            let significand = mantissa | 0x0080_0000
            let shift = UInt32(126 - exponent)
            var rounded = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && rounded & 1 == 1) { rounded += 1 }
            return sign | UInt16(truncatingIfNeeded: rounded)
        }
        var rounded = UInt32(halfExponent) << 10 | mantissa >> 13
        let remainder = mantissa & 0x1FFF
        // A carry out of the mantissa correctly bumps the exponent, up to infinity.
        if remainder > 0x1000 || (remainder == 0x1000 && rounded & 1 == 1) { rounded += 1 }
        return sign | UInt16(truncatingIfNeeded: rounded)
    }

    // MARK: BF16

    /// The float32 value of a BF16 bit pattern (exact).
    @inlinable
    public static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The BF16 bit pattern nearest to `value` (ties to even).
    @inlinable
    public static func bf16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN {
            let upper = UInt16(truncatingIfNeeded: bits >> 16)
            return upper & 0x007F == 0 ? upper | 0x0040 : upper
        }
        let roundingBias = ((bits >> 16) & 1) + 0x7FFF
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    // MARK: Buffers

    /// Widens `count` little-endian F16 values at `source` (any alignment) into `destination`.
    public static func decodeF16(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        for index in 0..<count {
            let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self))
            destination[index] = float(fromF16: bits)
        }
    }

    /// Widens `count` little-endian BF16 values at `source` (any alignment) into `destination`.
    public static func decodeBF16(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        for index in 0..<count {
            let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self))
            destination[index] = float(fromBF16: bits)
        }
    }

    /// Narrows `count` floats into little-endian F16 values at `destination` (any alignment).
    public static func encodeF16(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer) {
        for index in 0..<count {
            destination.storeBytes(of: f16Bits(from: source[index]).littleEndian, toByteOffset: index &* 2, as: UInt16.self)
        }
    }

    /// Narrows `count` floats into little-endian BF16 values at `destination` (any alignment).
    public static func encodeBF16(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer) {
        for index in 0..<count {
            destination.storeBytes(of: bf16Bits(from: source[index]).littleEndian, toByteOffset: index &* 2, as: UInt16.self)
        }
    }
}
