import Foundation
import LetheIO
import Testing

/// Checks our frames against the reference `zstd` command-line tool, when it is installed.
@Suite("Zstd CLI interoperability", .enabled(if: ZstdSamples.cliPath != nil, "zstd command-line tool not installed"))
struct ZstdInteropTests {
    @Test(arguments: [0, 1, 100_000])
    func cliDecompressesOurFrames(count: Int) throws {
        let original = ZstdSamples.bytes(of: ZstdSamples.smoothFloats(count: count))
        let compressedPath = ZstdSamples.temporaryPath("ours.zst")
        let outputPath = ZstdSamples.temporaryPath("ours.out")
        defer {
            try? FileManager.default.removeItem(atPath: compressedPath)
            try? FileManager.default.removeItem(atPath: outputPath)
        }
        try Data(try Zstd.compress(original)).write(to: URL(fileURLWithPath: compressedPath))
        let run = try ZstdSamples.runCLI(["-d", "-q", "-f", compressedPath, "-o", outputPath])
        #expect(run.status == 0, "\(run.output)")
        let decoded = try #require(FileManager.default.contents(atPath: outputPath))
        #expect([UInt8](decoded) == original)
    }

    @Test func cliReportsOurChecksumAndRejectsDamage() throws {
        let original = ZstdSamples.randomBytes(count: 50_000, seed: 2)
        var compressed = try Zstd.compress(original)
        let path = ZstdSamples.temporaryPath("check.zst")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(compressed).write(to: URL(fileURLWithPath: path))
        let listing = try ZstdSamples.runCLI(["-lv", path])
        #expect(listing.status == 0)
        #expect(listing.output.contains("XXH64"), "\(listing.output)")
        // A flipped raw-block byte is caught by the checksum, by the reference tool as well.
        compressed[compressed.count / 2] ^= 0x40
        try Data(compressed).write(to: URL(fileURLWithPath: path))
        let test = try ZstdSamples.runCLI(["-t", "-q", path])
        #expect(test.status != 0)
    }

    @Test(arguments: [["--check"], ["--check", "--no-content-size"], ["--check", "-19"], ["--check", "-T2"]])
    func weDecompressCLIFrames(flags: [String]) throws {
        let original = ZstdSamples.bytes(of: ZstdSamples.smoothFloats(count: 400_000))
        let inputPath = ZstdSamples.temporaryPath("cli.bin")
        let compressedPath = inputPath + ".zst"
        defer {
            try? FileManager.default.removeItem(atPath: inputPath)
            try? FileManager.default.removeItem(atPath: compressedPath)
        }
        try Data(original).write(to: URL(fileURLWithPath: inputPath))
        let run = try ZstdSamples.runCLI(flags + ["-q", "-f", inputPath, "-o", compressedPath])
        #expect(run.status == 0, "\(run.output)")
        let compressed = [UInt8](try #require(FileManager.default.contents(atPath: compressedPath)))
        #expect(compressed[4] & 0b0000_0100 != 0)
        #expect(try Zstd.decompress(compressed) == original)
        #expect(try ZstdDecompressor(path: compressedPath).readAll() == original)
    }

    @Test func weRejectTruncatedCLIFrames() throws {
        let original = ZstdSamples.textBytes(count: 300_000)
        let inputPath = ZstdSamples.temporaryPath("cut.bin")
        let compressedPath = inputPath + ".zst"
        defer {
            try? FileManager.default.removeItem(atPath: inputPath)
            try? FileManager.default.removeItem(atPath: compressedPath)
        }
        try Data(original).write(to: URL(fileURLWithPath: inputPath))
        let run = try ZstdSamples.runCLI(["--check", "-q", "-f", inputPath, "-o", compressedPath])
        #expect(run.status == 0, "\(run.output)")
        let compressed = [UInt8](try #require(FileManager.default.contents(atPath: compressedPath)))
        let cut = Array(compressed.prefix(compressed.count * 2 / 3))
        #expect(throws: ZstdError.truncated(source: "cli.zst", compressedBytesRead: cut.count)) {
            _ = try Zstd.decompress(cut, sourceName: "cli.zst")
        }
    }
}
