extension RandomStream {
    /// The stream for `purpose` (a label such as "noise" or "timestep") and `id` (such as a sample index) under `seed`.
    ///
    /// Lets callers key numbers by (seed, purpose, id) without coordinating stream numbers by hand; the same
    /// label and id give the same stream on every platform and run.
    public init(seed: UInt64, purpose: String, id: UInt64) {
        self.init(seed: seed, stream: RandomStream.streamNumber(purpose: purpose, id: id))
    }

    /// The stream number for (`purpose`, `id`): FNV-1a 64 over the label's UTF-8 bytes followed by the 8
    /// little-endian bytes of `id`. Stable across platforms and Swift versions (unlike `Hasher`).
    public static func streamNumber(purpose: String, id: UInt64) -> UInt64 {
        var hash = FNV1a64()
        for byte in purpose.utf8 { hash.combine(byte) }
        for shift in stride(from: 0, to: 64, by: 8) { hash.combine(UInt8(truncatingIfNeeded: id >> UInt64(shift))) }
        return hash.value
    }
}

/// The 64-bit Fowler–Noll–Vo 1a hash.
struct FNV1a64 {
    static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    private(set) var value = FNV1a64.offsetBasis

    mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* FNV1a64.prime
    }
}
