import Foundation
import LetheIO
import Testing

@Suite("Zstd streaming")
struct ZstdStreamingTests {
    /// 64 MiB of float32 data streamed through a file in 1 MiB chunks: generated chunk by chunk on the way in,
    /// checked chunk by chunk on the way out, so neither side ever holds the whole buffer, and no sink or source
    /// call ever sees more than a chunk.
    @Test func largeBufferStreamsThroughAFileInChunks() throws {
        let totalFloats = 16 << 20  // 64 MiB
        let chunkFloats = 1 << 18  // 1 MiB
        let chunkBytes = chunkFloats * 4
        let path = ZstdSamples.temporaryPath("large.zst")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let output = try #require(FileHandle(forWritingAtPath: path))

        var largestSinkChunk = 0
        var chunk = [Float](repeating: 0, count: chunkFloats)
        let compressor = try ZstdCompressor(options: .init(level: 1), pledgedSize: totalFloats * 4) { bytes in
            largestSinkChunk = max(largestSinkChunk, bytes.count)
            try output.write(contentsOf: Data(bytes))
        }
        for start in stride(from: 0, to: totalFloats, by: chunkFloats) {
            chunk.withUnsafeMutableBufferPointer { ZstdSamples.fillSmoothFloats($0, start: start) }
            try chunk.withUnsafeBytes { try compressor.write($0) }
        }
        try compressor.finish()
        try output.close()

        #expect(compressor.uncompressedBytesWritten == totalFloats * 4)
        let fileSize = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(fileSize == compressor.compressedBytesEmitted)
        // Not trivially compressible (the noise fills the low mantissa bytes), but not random either.
        #expect(fileSize > totalFloats * 4 / 10 && fileSize < totalFloats * 4)
        #expect(largestSinkChunk > 0 && largestSinkChunk <= chunkBytes)

        let input = try #require(FileHandle(forReadingAtPath: path))
        defer { try? input.close() }
        var largestSourceRequest = 0
        let decompressor = try ZstdDecompressor(sourceName: path, maxDecompressedSize: totalFloats * 4) { buffer in
            largestSourceRequest = max(largestSourceRequest, buffer.count)
            let data = try input.read(upToCount: buffer.count) ?? Data()
            data.copyBytes(to: buffer.bindMemory(to: UInt8.self), count: data.count)
            return data.count
        }
        var expected = [Float](repeating: 0, count: chunkFloats)
        var decoded = [Float](repeating: 0, count: chunkFloats)
        var mismatchedChunks = 0
        for start in stride(from: 0, to: totalFloats, by: chunkFloats) {
            try decoded.withUnsafeMutableBytes { try decompressor.readExactly(into: $0) }
            expected.withUnsafeMutableBufferPointer { ZstdSamples.fillSmoothFloats($0, start: start) }
            // Bitwise comparison: the round trip must be lossless.
            if expected.withUnsafeBytes({ Array($0) }) != decoded.withUnsafeBytes({ Array($0) }) {
                mismatchedChunks += 1
            }
        }
        try decompressor.expectEnd()
        #expect(mismatchedChunks == 0)
        #expect(decompressor.decompressedBytesProduced == totalFloats * 4)
        #expect(decompressor.compressedBytesRead == fileSize)
        #expect(largestSourceRequest > 0 && largestSourceRequest <= chunkBytes)
    }

    @Test func pathBasedStreamsRoundTrip() throws {
        let floats = ZstdSamples.smoothFloats(count: 700_001)
        let path = ZstdSamples.temporaryPath("path.zst")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let compressor = try ZstdCompressor(path: path, options: .init(level: 5))
            try floats.withUnsafeBytes { all in
                for start in stride(from: 0, to: all.count, by: 100_003) {
                    try compressor.write(UnsafeRawBufferPointer(rebasing: all[start..<min(start + 100_003, all.count)]))
                }
            }
            try compressor.finish()
        }
        let decompressor = try ZstdDecompressor(path: path)
        let bytes = try decompressor.readAll()
        #expect(bytes == ZstdSamples.bytes(of: floats))
        // The file is an ordinary zstd file: the one-shot decoder reads it too.
        let fileBytes = try #require(FileManager.default.contents(atPath: path))
        #expect(try Zstd.decompress([UInt8](fileBytes)) == bytes)
    }

    @Test func fileDescriptorStreamsRoundTrip() throws {
        let original = ZstdSamples.textBytes(count: 500_000)
        let path = ZstdSamples.temporaryPath("fd.zst")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let writer = try #require(FileHandle(forWritingAtPath: path))
        let compressor = try ZstdCompressor(fileDescriptor: writer.fileDescriptor)
        try compressor.write(Array(original[..<123_456]))
        try compressor.flush()
        try compressor.write(Array(original[123_456...]))
        try compressor.finish()
        try writer.close()

        let reader = try #require(FileHandle(forReadingAtPath: path))
        defer { try? reader.close() }
        let decompressor = try ZstdDecompressor(fileDescriptor: reader.fileDescriptor)
        var collected: [UInt8] = []
        var chunkSizes: [Int] = []
        try decompressor.forEachChunk(chunkSize: 65_536) {
            chunkSizes.append($0.count)
            collected.append(contentsOf: $0)
        }
        #expect(collected == original)
        #expect(chunkSizes.dropLast().allSatisfy { $0 == 65_536 })
    }

    /// `read(into:)` fills the buffer completely except at the end, whatever the read sizes.
    @Test(arguments: [1, 3, 1000, 131_072, 1 << 20])
    func readsFillTheBufferUntilTheEnd(readSize: Int) throws {
        let original = ZstdSamples.randomBytes(count: 300_000, seed: 8)
        let decompressor = try ZstdDecompressor(bytes: try Zstd.compress(original))
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: readSize)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try decompressor.read(into: $0) }
            collected += buffer[..<count]
            if count < readSize {
                #expect(collected.count == original.count)
                break
            }
        }
        #expect(collected == original)
        let again = try buffer.withUnsafeMutableBytes { try decompressor.read(into: $0) }
        #expect(again == 0)
    }

    @Test func emptyStreamRoundTrips() throws {
        var compressed: [UInt8] = []
        let compressor = try ZstdCompressor { compressed.append(contentsOf: $0) }
        try compressor.write([UInt8]())
        try compressor.finish()
        #expect(compressed.count > 4)
        #expect(try ZstdDecompressor(bytes: compressed).readAll() == [])
        #expect(try Zstd.decompress(compressed) == [])
    }

    @Test(.enabled(if: Zstd.supportsMultithreading, "libzstd built without multithreading"))
    func multithreadedStreamRoundTrips() throws {
        let original = ZstdSamples.bytes(of: ZstdSamples.smoothFloats(count: 2_500_000))
        var compressed: [UInt8] = []
        let compressor = try ZstdCompressor(options: .init(level: 3, workers: 2)) { compressed.append(contentsOf: $0) }
        try original.withUnsafeBytes { all in
            for start in stride(from: 0, to: all.count, by: 1 << 20) {
                try compressor.write(UnsafeRawBufferPointer(rebasing: all[start..<min(start + (1 << 20), all.count)]))
            }
        }
        try compressor.finish()
        #expect(compressed[4] & 0b0000_0100 != 0)
        #expect(try Zstd.decompress(compressed) == original)
    }
}
