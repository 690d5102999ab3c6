import Foundation

/// An index-addressable stream of random numbers built on `Philox4x32`.
///
/// Layout, fixed so every rank and every run agrees:
/// - key = (seed low 32 bits, seed high 32 bits);
/// - block `b` is `Philox4x32.block(counter: (b low, b high, stream low, stream high), key:)`;
/// - 32-bit word `w` of the stream is lane `w % 4` of block `w / 4`.
///
/// Every value is a pure function of (seed, stream, index), so filling `[a, b)` gives exactly the values that
/// filling `[0, n)` would give at those indices, whichever rank does it and in whatever pieces. Value kinds:
/// - `bits(at: i)`: word `i`;
/// - `uniformFloat(at: i)`: word `i`, top 24 bits, in [0, 1);
/// - `uniformDouble(at: i)`: words `2i` (low) and `2i+1` (high), top 53 bits, in [0, 1);
/// - `normalFloat(at: i)`: Box–Muller on words `2p` and `2p+1` with `p = i / 2` (so block `i / 4` gives normals
///   `4(i/4) ..< 4(i/4)+4`); even `i` takes the cosine, odd `i` the sine of the same pair;
/// - `normalDouble(at: i)`: Box–Muller on block `p = i / 2`, words 0–1 for the radius and 2–3 for the angle.
/// Box–Muller radius uniforms lie in (0, 1], so the logarithm is always finite; it is evaluated in Double.
/// Word indices wrap modulo 2^64 (a stream holds 2^64 words), so Double indices, which use two words each,
/// repeat with period 2^63.
public struct RandomStream: Sendable, Hashable {
    /// The Philox key.
    public let seed: UInt64
    /// The high half of every counter: separates independent streams under one seed.
    public let stream: UInt64

    /// The stream `stream` under key `seed`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
    }

    /// The Philox key words.
    @inlinable
    public var key: SIMD2<UInt32> {
        SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    }

    /// The 128 random bits of block `blockIndex` (words `4·blockIndex ..< 4·blockIndex + 4`).
    @inlinable
    public func block(_ blockIndex: UInt64) -> SIMD4<UInt32> {
        let counter = SIMD4<UInt32>(
            UInt32(truncatingIfNeeded: blockIndex), UInt32(truncatingIfNeeded: blockIndex >> 32),
            UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32))
        return Philox4x32.block(counter: counter, key: key)
    }

    /// The 32-bit word at `index`.
    @inlinable
    public func bits(at index: UInt64) -> UInt32 {
        block(index >> 2)[Int(index & 3)]
    }

    /// A uniform Float in [0, 1) with 24 random bits (never exactly 1).
    @inlinable
    public func uniformFloat(at index: UInt64) -> Float {
        RandomStream.unitFloat(bits(at: index))
    }

    /// A uniform Double in [0, 1) with 53 random bits (never exactly 1).
    @inlinable
    public func uniformDouble(at index: UInt64) -> Double {
        // Word 2·index, wrapped to 64 bits like every word index.
        let words = block((index &* 2) >> 2)
        let (low, high) = (index & 1) == 0 ? (words[0], words[1]) : (words[2], words[3])
        return RandomStream.unitDouble(UInt64(high) << 32 | UInt64(low))
    }

    /// A standard normal Float (Box–Muller; see the type's documentation for the index mapping).
    @inlinable
    public func normalFloat(at index: UInt64) -> Float {
        let words = block(index >> 2)
        let pair = Int(index & 2)
        let (cosine, sine) = RandomStream.boxMuller32(words[pair], words[pair + 1])
        return (index & 1) == 0 ? cosine : sine
    }

    /// A standard normal Double (Box–Muller on one whole block per pair of outputs).
    @inlinable
    public func normalDouble(at index: UInt64) -> Double {
        let words = block((index &* 2) >> 2)
        let (cosine, sine) = RandomStream.boxMuller64(words)
        return (index & 1) == 0 ? cosine : sine
    }
}

extension RandomStream {
    /// Top 24 bits of `word` scaled to [0, 1); exact in Float.
    @inlinable @inline(__always)
    static func unitFloat(_ word: UInt32) -> Float {
        Float(Int32(bitPattern: word >> 8)) * 0x1p-24
    }

    /// Top 53 bits of `bits` scaled to [0, 1); exact in Double.
    @inlinable @inline(__always)
    static func unitDouble(_ bits: UInt64) -> Double {
        Double(Int64(bitPattern: bits >> 11)) * 0x1p-53
    }

    /// Box–Muller from two words: radius uniform (w+1)/2^32 in (0, 1], angle 2π·v/2^32.
    @inlinable @inline(__always)
    static func boxMuller32(_ radiusWord: UInt32, _ angleWord: UInt32) -> (Float, Float) {
        let radiusUniform = (Double(radiusWord) + 1) * 0x1p-32
        let angle = Double(angleWord) * (0x1p-32 * 2 * Double.pi)
        let radius = (-2 * Foundation.log(radiusUniform)).squareRoot()
        return (Float(radius * Foundation.cos(angle)), Float(radius * Foundation.sin(angle)))
    }

    /// Box–Muller from one block: words 0–1 give the radius uniform (k+1)/2^53 in (0, 1], words 2–3 the angle.
    @inlinable @inline(__always)
    static func boxMuller64(_ words: SIMD4<UInt32>) -> (Double, Double) {
        let radiusBits = UInt64(words[1]) << 32 | UInt64(words[0])
        let angleBits = UInt64(words[3]) << 32 | UInt64(words[2])
        let radiusUniform = (Double(Int64(bitPattern: radiusBits >> 11)) + 1) * 0x1p-53
        let angle = unitDouble(angleBits) * (2 * Double.pi)
        let radius = (-2 * Foundation.log(radiusUniform)).squareRoot()
        return (radius * Foundation.cos(angle), radius * Foundation.sin(angle))
    }
}
