/// The Philox4x32-10 counter-based bijection (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
/// 1, 2, 3", SC11), with the Random123 constants.
///
/// It maps a 128-bit counter and a 64-bit key to 128 random bits. Each output depends only on (counter, key), so any
/// block of a stream can be computed directly, in any order, on any rank.
public enum Philox4x32 {
    /// Round multipliers.
    public static let multiplier0: UInt32 = 0xD251_1F53
    public static let multiplier1: UInt32 = 0xCD9E_8D57
    /// Weyl-sequence increments added to the key between rounds.
    public static let keyIncrement0: UInt32 = 0x9E37_79B9
    public static let keyIncrement1: UInt32 = 0xBB67_AE85
    /// Random123's recommended round count for Philox4x32.
    public static let rounds = 10

    /// Ten rounds of Philox4x32 on one counter block.
    @inlinable
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var x0 = counter[0], x1 = counter[1], x2 = counter[2], x3 = counter[3]
        var k0 = key[0], k1 = key[1]
        for round in 0..<rounds {
            if round > 0 {
                k0 &+= keyIncrement0
                k1 &+= keyIncrement1
            }
            let product0 = UInt64(multiplier0) &* UInt64(x0)
            let product1 = UInt64(multiplier1) &* UInt64(x2)
            let y0 = UInt32(truncatingIfNeeded: product1 >> 32) ^ x1 ^ k0
            let y2 = UInt32(truncatingIfNeeded: product0 >> 32) ^ x3 ^ k1
            x1 = UInt32(truncatingIfNeeded: product1)
            x3 = UInt32(truncatingIfNeeded: product0)
            x0 = y0
            x2 = y2
        }
        return SIMD4(x0, x1, x2, x3)
    }

    /// Four independent blocks at once, lane `i` of each word vector belonging to block `i`.
    ///
    /// Written lane-wise so the 32×32→64-bit products map onto SIMD multiplies; results equal four `block` calls.
    @inlinable
    public static func blocks(
        word0: SIMD4<UInt32>, word1: SIMD4<UInt32>, word2: SIMD4<UInt32>, word3: SIMD4<UInt32>,
        key: SIMD2<UInt32>
    ) -> (SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>) {
        var x0 = word0, x1 = word1, x2 = word2, x3 = word3
        var k0 = key[0], k1 = key[1]
        let m0 = SIMD4<UInt64>(repeating: UInt64(multiplier0))
        let m1 = SIMD4<UInt64>(repeating: UInt64(multiplier1))
        for round in 0..<rounds {
            if round > 0 {
                k0 &+= keyIncrement0
                k1 &+= keyIncrement1
            }
            let product0 = SIMD4<UInt64>(truncatingIfNeeded: x0) &* m0
            let product1 = SIMD4<UInt64>(truncatingIfNeeded: x2) &* m1
            let y0 = SIMD4<UInt32>(truncatingIfNeeded: product1 &>> 32) ^ x1 ^ SIMD4(repeating: k0)
            let y2 = SIMD4<UInt32>(truncatingIfNeeded: product0 &>> 32) ^ x3 ^ SIMD4(repeating: k1)
            x1 = SIMD4<UInt32>(truncatingIfNeeded: product1)
            x3 = SIMD4<UInt32>(truncatingIfNeeded: product0)
            x0 = y0
            x2 = y2
        }
        return (x0, x1, x2, x3)
    }
}
