import Foundation
import LetheIO
import Testing

@Suite("Zstd errors")
struct ZstdErrorTests {
    /// Decompresses `compressed` through the streaming decompressor in small reads.
    private func streamDecompress(_ compressed: [UInt8], limit: Int = .max) throws -> [UInt8] {
        let decompressor = try ZstdDecompressor(bytes: compressed, sourceName: "test.zst",
                                                maxDecompressedSize: limit)
        var output: [UInt8] = []
        try decompressor.forEachChunk(chunkSize: 4096) { output.append(contentsOf: $0) }
        return output
    }

    private func unknownSizeFrame(_ bytes: [UInt8]) throws -> [UInt8] {
        var compressed: [UInt8] = []
        let compressor = try ZstdCompressor { compressed.append(contentsOf: $0) }
        try compressor.write(bytes)
        try compressor.finish()
        return compressed
    }

    /// Both decoders, with the one-shot one going through its known-size fast path or the streaming fallback.
    private func bothDecoders(_ compressed: [UInt8]) -> [(String, () throws -> [UInt8])] {
        [("one-shot", { try Zstd.decompress(compressed, sourceName: "test.zst") }),
         ("streaming", { try self.streamDecompress(compressed) })]
    }

    /// Incompressible data is stored in raw blocks, so a flipped payload byte still decodes; only the content
    /// checksum can catch it.
    @Test func flippedByteInRawBlockFailsTheChecksum() throws {
        let original = ZstdSamples.randomBytes(count: 10_000, seed: 1)
        var compressed = try Zstd.compress(original)
        compressed[compressed.count / 2] ^= 0x10
        for (name, decode) in bothDecoders(compressed) {
            let error = try #require(throws: ZstdError.self, "\(name)") { _ = try decode() }
            guard case let .corrupted(source, _, reason) = error else {
                Issue.record("\(name): expected .corrupted, got \(error)")
                continue
            }
            #expect(source == "test.zst")
            #expect(reason.lowercased().contains("checksum"), "\(name): \(reason)")
            #expect(error.description.contains("test.zst"))
        }
    }

    @Test func flippedChecksumByteIsDetected() throws {
        var compressed = try Zstd.compress(ZstdSamples.textBytes(count: 5000))
        compressed[compressed.count - 1] ^= 0x01
        for (name, decode) in bothDecoders(compressed) {
            let error = try #require(throws: ZstdError.self, "\(name)") { _ = try decode() }
            guard case let .corrupted(_, _, reason) = error else {
                Issue.record("\(name): expected .corrupted, got \(error)")
                continue
            }
            #expect(reason.lowercased().contains("checksum"))
        }
    }

    /// Every single-byte flip in the block data of a compressed frame must be caught, whatever zstd calls it.
    @Test func everyFlippedPayloadByteIsDetected() throws {
        let original = ZstdSamples.textBytes(count: 3000)
        let compressed = try Zstd.compress(original)
        // Frame header here: magic (4) + descriptor (1) + content size (2, for sizes 256...65791).
        let headerSize = 4 + 1 + 2
        for index in headerSize..<compressed.count {
            var damaged = compressed
            damaged[index] ^= 0x5A
            #expect(throws: ZstdError.self, "flip at \(index)") { _ = try Zstd.decompress(damaged) }
            #expect(throws: ZstdError.self, "flip at \(index)") { _ = try streamDecompress(damaged) }
        }
    }

    @Test(arguments: [1, 4, 5, 20, 2000])
    func truncatedFrameIsReportedAsTruncated(keptFromEnd cut: Int) throws {
        let original = ZstdSamples.textBytes(count: 200_000)
        for compressed in [try Zstd.compress(original), try unknownSizeFrame(original)] {
            let truncated = Array(compressed.dropLast(cut))
            for (name, decode) in bothDecoders(truncated) {
                let error = try #require(throws: ZstdError.self, "\(name)") { _ = try decode() }
                guard case let .truncated(source, read) = error else {
                    Issue.record("\(name) with \(cut) bytes cut: expected .truncated, got \(error)")
                    continue
                }
                #expect(source == "test.zst")
                #expect(read == truncated.count)
                #expect(error.description.contains("truncated"))
            }
        }
    }

    @Test func frameCutInsideTheHeaderIsTruncated() throws {
        let compressed = try Zstd.compress(ZstdSamples.textBytes(count: 1000))
        for kept in 1...5 {
            let error = try #require(throws: ZstdError.self) { _ = try Zstd.decompress(Array(compressed.prefix(kept))) }
            #expect(error == .truncated(source: "an in-memory buffer", compressedBytesRead: kept))
        }
    }

    @Test func emptyInputIsReported() throws {
        for (_, decode) in bothDecoders([]) {
            let error = try #require(throws: ZstdError.self) { _ = try decode() }
            #expect(error == .truncated(source: "test.zst", compressedBytesRead: 0))
            #expect(error.description.contains("empty"))
        }
    }

    @Test(arguments: [[0x00] as [UInt8], Array("garbage!".utf8), [0x28, 0xB5, 0x2F, 0x00, 0x11, 0x22]])
    func trailingGarbageIsReported(garbage: [UInt8]) throws {
        let frame = try Zstd.compress(ZstdSamples.textBytes(count: 3000))
        for (name, decode) in bothDecoders(frame + garbage) {
            let error = try #require(throws: ZstdError.self, "\(name)") { _ = try decode() }
            #expect(error == .trailingData(source: "test.zst", offset: frame.count), "\(name): \(error)")
        }
    }

    @Test func nonZstdInputIsCorrupted() throws {
        let error = try #require(throws: ZstdError.self) { _ = try Zstd.decompress(Array("hello, world".utf8)) }
        guard case .corrupted = error else {
            Issue.record("expected .corrupted, got \(error)")
            return
        }
    }

    @Test func declaredSizeOverLimitIsRejectedBeforeDecoding() throws {
        let compressed = try Zstd.compress(ZstdSamples.textBytes(count: 10_000))
        let error = try #require(throws: ZstdError.self) { _ = try Zstd.decompress(compressed, maxSize: 9_999) }
        #expect(error == .sizeLimitExceeded(source: "an in-memory buffer", limit: 9_999))
        #expect(try Zstd.decompress(compressed, maxSize: 10_000).count == 10_000)
    }

    @Test func streamedSizeOverLimitIsRejected() throws {
        let original = ZstdSamples.textBytes(count: 100_000)
        let compressed = try unknownSizeFrame(original)
        let error = try #require(throws: ZstdError.self) { _ = try Zstd.decompress(compressed, maxSize: 99_999) }
        #expect(error == .sizeLimitExceeded(source: "an in-memory buffer", limit: 99_999))
        #expect(try Zstd.decompress(compressed, maxSize: 100_000) == original)
        #expect(throws: ZstdError.sizeLimitExceeded(source: "test.zst", limit: 50_000)) {
            _ = try streamDecompress(compressed, limit: 50_000)
        }
        #expect(try streamDecompress(compressed, limit: 100_000) == original)
    }

    @Test func errorsAreStickyAfterFailure() throws {
        var compressed = try Zstd.compress(ZstdSamples.randomBytes(count: 10_000, seed: 4))
        compressed[5000] ^= 1
        let decompressor = try ZstdDecompressor(bytes: compressed)
        var buffer = [UInt8](repeating: 0, count: 20_000)
        let first = try #require(throws: ZstdError.self) {
            _ = try buffer.withUnsafeMutableBytes { try decompressor.read(into: $0) }
        }
        let second = try #require(throws: ZstdError.self) {
            _ = try buffer.withUnsafeMutableBytes { try decompressor.read(into: $0) }
        }
        #expect(first == second)
    }

    @Test func readExactlyReportsShortData() throws {
        let compressed = try Zstd.compress(ZstdSamples.textBytes(count: 1000))
        let decompressor = try ZstdDecompressor(bytes: compressed, sourceName: "short.zst")
        var buffer = [UInt8](repeating: 0, count: 1500)
        let error = try #require(throws: ZstdError.self) {
            try buffer.withUnsafeMutableBytes { try decompressor.readExactly(into: $0) }
        }
        #expect(error == .unexpectedSize(source: "short.zst", expected: 1500, found: "only 1000"))
    }

    @Test func expectEndReportsLeftoverData() throws {
        let compressed = try Zstd.compress(ZstdSamples.textBytes(count: 1000))
        let decompressor = try ZstdDecompressor(bytes: compressed, sourceName: "long.zst")
        var buffer = [UInt8](repeating: 0, count: 999)
        try buffer.withUnsafeMutableBytes { try decompressor.readExactly(into: $0) }
        #expect(throws: ZstdError.unexpectedSize(source: "long.zst", expected: 999, found: "more")) {
            try decompressor.expectEnd()
        }
    }

    @Test func compressorRejectsUseAfterFinishAndWrongPledge() throws {
        let compressor = try ZstdCompressor { _ in }
        try compressor.finish()
        #expect(throws: ZstdError.streamClosed(operation: "write to the compressor")) {
            try compressor.write([1, 2, 3])
        }
        let pledged = try ZstdCompressor(pledgedSize: 10) { _ in }
        try pledged.write([UInt8](repeating: 7, count: 6))
        #expect(throws: ZstdError.pledgedSizeMismatch(pledged: 10, written: 6)) { try pledged.finish() }
        let overfull = try ZstdCompressor(pledgedSize: 4) { _ in }
        #expect(throws: ZstdError.pledgedSizeMismatch(pledged: 4, written: 5)) {
            try overfull.write([1, 2, 3, 4, 5])
        }
    }

    @Test func sinkErrorsPropagate() throws {
        struct SinkFull: Error {}
        let compressor = try ZstdCompressor { _ in throw SinkFull() }
        try compressor.write(ZstdSamples.textBytes(count: 100))
        #expect(throws: SinkFull.self) { try compressor.finish() }
    }

    @Test func missingFileIsAnIOError() throws {
        let path = ZstdSamples.temporaryPath("missing.zst")
        let error = try #require(throws: ZstdError.self) { _ = try ZstdDecompressor(path: path) }
        guard case let .io(operation, code, _) = error else {
            Issue.record("expected .io, got \(error)")
            return
        }
        #expect(operation.contains(path))
        #expect(code == ENOENT)
    }
}
