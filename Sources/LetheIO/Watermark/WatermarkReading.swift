/// What reading a watermark found: each bit's votes (one per block that carries it) and the bits they decide.
public struct WatermarkReading: Sendable, Equatable {
    /// Per bit: blocks that voted 1.
    public let ones: [Int]
    /// Per bit: blocks that voted.
    public let counts: [Int]

    public init(ones: [Int], counts: [Int]) {
        precondition(ones.count == counts.count, "votes and counts differ in length")
        self.ones = ones
        self.counts = counts
    }

    /// The bits, decided as the package decides them.
    public var bits: [UInt8] { zip(ones, counts).map { DwtDctMethod.decide(ones: $0, count: $1) } }

    /// How many of `mark`'s bits the reading agrees with (the reading must be as long as the mark).
    public func agreement(with mark: InvisibleWatermark) -> Int {
        precondition(mark.bits.count == ones.count, "a \(ones.count)-bit reading compared with a \(mark.bits.count)-bit mark")
        return zip(bits, mark.bits).filter { $0 == $1 }.count
    }

    /// The smallest share of one bit's votes that agreed with the decided bit (1 when every block agrees,
    /// near 0.5 when a bit was a coin toss): how clearly the image carries what was read.
    public var weakestMajority: Double {
        zip(ones, counts).map { ones, count in
            count == 0 ? 0 : Double(max(ones, count - ones)) / Double(count)
        }.min() ?? 0
    }

    /// The bits as bytes (most significant first), when they fill whole bytes.
    public var bytes: [UInt8]? { Self.pack(bits) }

    /// The bytes as text, when they are UTF-8 without control characters.
    public var text: String? { bytes.flatMap(Self.printableText) }

    static func pack(_ bits: [UInt8]) -> [UInt8]? {
        guard bits.count % 8 == 0 else { return nil }
        return stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(0) { $0 << 1 | $1 }
        }
    }

    static func printableText(_ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return text
    }
}
