/// The 32-bit Mersenne Twister MT19937 (Matsumoto and Nishimura, ACM TOMACS 8(1), 1998), seeded with the
/// reference `init_genrand` recurrence of the 2002 code (`mt19937ar.c`).
///
/// This is the engine behind PyTorch's CPU generator (`at::mt19937`) and C++'s `std::mt19937`: `MersenneTwister(seed:
/// 5489)` yields `std::mt19937`'s default sequence.
public struct MersenneTwister: Sendable {
    /// Words of state (n).
    public static let stateCount = 624
    /// Offset of the word mixed into each twisted word (m).
    static let middleOffset = 397
    static let twistMatrix: UInt32 = 0x9908_B0DF
    static let upperMask: UInt32 = 0x8000_0000
    static let lowerMask: UInt32 = 0x7FFF_FFFF

    private var state: [UInt32]
    /// Index of the next state word to temper; `stateCount` means the state must be twisted first.
    private var nextIndex: Int

    /// The engine after `init_genrand(seed)`.
    public init(seed: UInt32) {
        var words = [UInt32](repeating: 0, count: Self.stateCount)
        words[0] = seed
        for index in 1..<Self.stateCount {
            let previous = words[index - 1]
            words[index] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(index)
        }
        state = words
        nextIndex = Self.stateCount
    }

    /// The next 32-bit output.
    public mutating func next() -> UInt32 {
        if nextIndex == Self.stateCount {
            state.withUnsafeMutableBufferPointer { Self.twist($0.baseAddress!) }
            nextIndex = 0
        }
        let word = Self.temper(state[nextIndex])
        nextIndex += 1
        return word
    }

    /// Fills `output` with the next `output.count` outputs, in order (the same words as repeated `next()`).
    public mutating func fill(_ output: UnsafeMutableBufferPointer<UInt32>) {
        guard let destination = output.baseAddress else { return }
        let total = output.count
        var index = nextIndex
        state.withUnsafeMutableBufferPointer { stateBuffer in
            let words = stateBuffer.baseAddress!
            var written = 0
            while written < total {
                if index == Self.stateCount {
                    Self.twist(words)
                    index = 0
                }
                let run = Swift.min(Self.stateCount - index, total - written)
                for offset in 0..<run {
                    destination[written + offset] = Self.temper(words[index + offset])
                }
                index += run
                written += run
            }
        }
        nextIndex = index
    }

    /// Regenerates all 624 state words in place (the recurrence of the reference code, word by word).
    private static func twist(_ words: UnsafeMutablePointer<UInt32>) {
        let n = stateCount, m = middleOffset
        for k in 0..<n {
            let next = words[k + 1 < n ? k + 1 : 0]
            let mixed = (words[k] & upperMask) | (next & lowerMask)
            let far = words[k + m < n ? k + m : k + m - n]
            words[k] = far ^ (mixed >> 1) ^ ((next & 1) == 0 ? 0 : twistMatrix)
        }
    }

    /// The output tempering transform.
    @inline(__always)
    private static func temper(_ word: UInt32) -> UInt32 {
        var y = word
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }
}
