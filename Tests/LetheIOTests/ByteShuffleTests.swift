import Foundation
import LetheIO
import Testing

@Suite("Byte shuffle")
struct ByteShuffleTests {
    /// The definition, written as plainly as possible: plane k holds byte k of every whole element, then the tail.
    private func referenceShuffle(_ bytes: [UInt8], elementSize: Int) -> [UInt8] {
        let elements = bytes.count / elementSize
        var output: [UInt8] = []
        for k in 0..<elementSize {
            for i in 0..<elements { output.append(bytes[i * elementSize + k]) }
        }
        output += bytes[(elements * elementSize)...]
        return output
    }

    @Test func handWorkedExample() {
        // Two 4-byte elements [1 2 3 4] [5 6 7 8] and a 1-byte tail [9].
        let input: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        #expect(ByteShuffle.shuffled(input, elementSize: 4) == [1, 5, 2, 6, 3, 7, 4, 8, 9])
        #expect(ByteShuffle.unshuffled([1, 5, 2, 6, 3, 7, 4, 8, 9], elementSize: 4) == input)
        // Three 2-byte elements.
        #expect(ByteShuffle.shuffled([10, 11, 20, 21, 30, 31], elementSize: 2) == [10, 20, 30, 11, 21, 31])
    }

    @Test func floatPlanesHoldTheRightBytes() {
        // 1.0 = 0x3F800000 and -2.0 = 0xC0000000, stored little-endian.
        let bytes = [Float(1.0), Float(-2.0)].withUnsafeBytes { Array($0) }
        #expect(ByteShuffle.shuffled(bytes, elementSize: 4) == [0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x3F, 0xC0])
    }

    @Test(arguments: [1, 2, 3, 4, 5, 8, 16])
    func matchesReferenceAndInverts(elementSize: Int) {
        for count in [0, 1, 3, 4, 7, 64, 1001, 65_539] {
            let input = ZstdSamples.randomBytes(count: count, seed: UInt64(count * 31 + elementSize))
            let shuffled = ByteShuffle.shuffled(input, elementSize: elementSize)
            #expect(shuffled == referenceShuffle(input, elementSize: elementSize), "count \(count)")
            #expect(ByteShuffle.unshuffled(shuffled, elementSize: elementSize) == input, "count \(count)")
        }
    }

    @Test func largeFloatBufferInverts() {
        let bytes = ZstdSamples.bytes(of: ZstdSamples.smoothFloats(count: 3_000_001))
        let shuffled = ByteShuffle.shuffled(bytes, elementSize: 4)
        #expect(shuffled == referenceShuffle(bytes, elementSize: 4))
        #expect(ByteShuffle.unshuffled(shuffled, elementSize: 4) == bytes)
    }

    /// The point of the filter: smooth float data compresses clearly better once its bytes are grouped.
    @Test(arguments: [1, 3, 9])
    func shuffleMakesSmoothFloatsCompressBetter(level: Int) throws {
        let floats = ZstdSamples.smoothFloats(count: 1_000_000)
        let options = ZstdCompressionOptions(level: level)
        let plain = try Zstd.compress(ZstdSamples.bytes(of: floats), options: options)
        let shuffled = try Zstd.compress(shufflingFloats: floats, options: options)
        let wholeBufferShuffled = try Zstd.compress(
            ByteShuffle.shuffled(ZstdSamples.bytes(of: floats), elementSize: 4), options: options)
        // At least 10% smaller; blockwise shuffling keeps nearly all of the whole-buffer gain.
        #expect(Double(shuffled.count) < 0.9 * Double(plain.count), "\(shuffled.count) vs \(plain.count)")
        #expect(Double(shuffled.count) < 1.02 * Double(wholeBufferShuffled.count))
    }

    @Test(arguments: [0, 1, 65_536, 65_537, 500_000])
    func shuffledFloatsRoundTrip(count: Int) throws {
        let floats = ZstdSamples.smoothFloats(count: count, start: 12_345)
        let compressed = try Zstd.compress(shufflingFloats: floats)
        #expect(compressed[4] & 0b0000_0100 != 0)
        let decoded = try Zstd.decompressShuffledFloats(compressed, count: count)
        #expect(decoded.withUnsafeBytes { Array($0) } == ZstdSamples.bytes(of: floats))
    }

    /// The block layout is part of the format: the frame must decode (as plain zstd) to the input shuffled block
    /// by block, each block the documented size.
    @Test func shuffledStreamUsesDocumentedBlocks() throws {
        let floats = ZstdSamples.smoothFloats(count: 200_000)
        let bytes = ZstdSamples.bytes(of: floats)
        let blockBytes = Zstd.shuffleBlockBytes(elementSize: 4)
        #expect(blockBytes == 1 << 18)
        var expected: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: blockBytes) {
            expected += referenceShuffle(Array(bytes[start..<min(start + blockBytes, bytes.count)]), elementSize: 4)
        }
        let plain = try Zstd.decompress(try Zstd.compress(shufflingFloats: floats))
        #expect(plain == expected)
    }

    @Test func oddElementSizeStreamsRoundTrip() throws {
        let original = ZstdSamples.randomBytes(count: 1_000_003, seed: 5)
        var compressed: [UInt8] = []
        let compressor = try ZstdCompressor { compressed.append(contentsOf: $0) }
        try original.withUnsafeBytes { try compressor.writeShuffled($0, elementSize: 6) }
        try compressor.finish()
        let decompressor = try ZstdDecompressor(bytes: compressed)
        var decoded = [UInt8](repeating: 0, count: original.count)
        try decoded.withUnsafeMutableBytes { try decompressor.readShuffled(into: $0, elementSize: 6) }
        try decompressor.expectEnd()
        #expect(decoded == original)
    }

    @Test func wrongFloatCountIsReported() throws {
        let compressed = try Zstd.compress(shufflingFloats: ZstdSamples.smoothFloats(count: 1000))
        #expect(throws: ZstdError.unexpectedSize(source: "w.zst", expected: 4004, found: "only 4000")) {
            _ = try Zstd.decompressShuffledFloats(compressed, count: 1001, sourceName: "w.zst")
        }
        #expect(throws: ZstdError.unexpectedSize(source: "w.zst", expected: 3996, found: "more")) {
            _ = try Zstd.decompressShuffledFloats(compressed, count: 999, sourceName: "w.zst")
        }
    }
}
