import Foundation
import LetheIO
import Testing

@Suite("Zstd one-shot")
struct ZstdOneShotTests {
    @Test func libraryVersionIsDotted() {
        let parts = Zstd.libraryVersion.split(separator: ".")
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { Int($0) != nil })
    }

    @Test(arguments: [0, 1, 2, 100, 4096, 1_000_003])
    func roundTripsText(count: Int) throws {
        let original = ZstdSamples.textBytes(count: count)
        let compressed = try Zstd.compress(original)
        #expect(try Zstd.decompress(compressed) == original)
    }

    @Test(arguments: [1, 7, 131_072, 300_000])
    func roundTripsIncompressibleBytes(count: Int) throws {
        let original = ZstdSamples.randomBytes(count: count, seed: UInt64(count))
        let compressed = try Zstd.compress(original, options: .init(level: 1))
        #expect(try Zstd.decompress(compressed) == original)
        // Raw blocks cost a few header bytes each; no real expansion.
        #expect(compressed.count <= count + count / 1000 + 32)
    }

    @Test func emptyInputStillMakesAFrame() throws {
        let compressed = try Zstd.compress([UInt8]())
        #expect(Array(compressed.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
        #expect(try Zstd.decompress(compressed) == [])
    }

    /// RFC 8878 §3.1.1.1.1: the Frame_Header_Descriptor follows the 4-byte magic; bit 2 is Content_Checksum_flag,
    /// and a frame with it set ends with a 4-byte checksum.
    @Test(arguments: [0, 1, 5000])
    func frameHeaderHasChecksumFlag(count: Int) throws {
        let compressed = try Zstd.compress(ZstdSamples.textBytes(count: count))
        #expect(Array(compressed.prefix(4)) == Zstd.frameMagic)
        #expect(Zstd.frameMagic == [0x28, 0xB5, 0x2F, 0xFD])
        let descriptor = try #require(compressed.dropFirst(4).first)
        #expect(descriptor & 0b0000_0100 != 0, "Content_Checksum_flag must be set")
        #expect(descriptor & 0b0000_1000 == 0, "reserved bit must be zero")
    }

    @Test func streamedFramesAlsoCarryTheChecksumFlag() throws {
        var compressed: [UInt8] = []
        let compressor = try ZstdCompressor { compressed.append(contentsOf: $0) }
        try compressor.write(ZstdSamples.textBytes(count: 10_000))
        try compressor.finish()
        #expect(compressed[4] & 0b0000_0100 != 0)
    }

    @Test(arguments: [-5, 1, 3, 9, 19])
    func levelsRoundTrip(level: Int) throws {
        let original = ZstdSamples.bytes(of: ZstdSamples.smoothFloats(count: 50_000))
        let compressed = try Zstd.compress(original, options: .init(level: level))
        #expect(try Zstd.decompress(compressed) == original)
    }

    @Test func higherLevelsCompressTextSmaller() throws {
        let original = ZstdSamples.textBytes(count: 400_000)
        let fast = try Zstd.compress(original, options: .init(level: -5))
        let strong = try Zstd.compress(original, options: .init(level: 19))
        #expect(strong.count < fast.count)
    }

    @Test(.enabled(if: Zstd.supportsMultithreading, "libzstd built without multithreading"))
    func multithreadedCompressionRoundTrips() throws {
        let original = ZstdSamples.bytes(of: ZstdSamples.smoothFloats(count: 3_000_000))
        let compressed = try Zstd.compress(original, options: .init(level: 3, workers: 2))
        #expect(try Zstd.decompress(compressed) == original)
    }

    @Test func compressIntoBufferReportsSize() throws {
        let original = ZstdSamples.textBytes(count: 20_000)
        var destination = [UInt8](repeating: 0, count: Zstd.compressBound(original.count))
        let size = try original.withUnsafeBytes { source in
            try destination.withUnsafeMutableBytes { try Zstd.compress(source, into: $0) }
        }
        #expect(size > 0 && size < original.count)
        #expect(try Zstd.decompress(Array(destination.prefix(size))) == original)
    }

    @Test func tooSmallDestinationThrows() throws {
        let original = ZstdSamples.randomBytes(count: 5000, seed: 3)
        var destination = [UInt8](repeating: 0, count: 100)
        #expect(throws: ZstdError.self) {
            _ = try original.withUnsafeBytes { source in
                try destination.withUnsafeMutableBytes { try Zstd.compress(source, into: $0) }
            }
        }
    }

    /// A streamed frame without a pledged size records no content size; one-shot decompression must stream it.
    @Test func decompressesFrameWithUnknownContentSize() throws {
        let original = ZstdSamples.textBytes(count: 300_000)
        var compressed: [UInt8] = []
        let compressor = try ZstdCompressor { compressed.append(contentsOf: $0) }
        for start in stride(from: 0, to: original.count, by: 70_000) {
            try compressor.write(Array(original[start..<min(start + 70_000, original.count)]))
        }
        try compressor.finish()
        // Frame_Content_Size_flag (bits 6-7) is 0 and Single_Segment_flag (bit 5) is 0: no content size field.
        #expect(compressed[4] & 0b1110_0000 == 0)
        #expect(try Zstd.decompress(compressed) == original)
    }

    @Test func decompressesConcatenatedFrames() throws {
        let first = ZstdSamples.textBytes(count: 1000)
        let second = ZstdSamples.randomBytes(count: 777, seed: 9)
        let joined = try Zstd.compress(first) + Zstd.compress(second)
        #expect(try Zstd.decompress(joined) == first + second)
    }

    @Test func invalidOptionsThrow() {
        #expect(throws: ZstdError.self) { _ = try Zstd.compress([1, 2, 3], options: .init(level: 1000)) }
        #expect(throws: ZstdError.self) { _ = try Zstd.compress([1, 2, 3], options: .init(workers: -1)) }
        #expect(throws: ZstdError.self) {
            _ = try Zstd.compress([1, 2, 3], options: .init(workers: Zstd.maximumWorkers + 1))
        }
    }
}
