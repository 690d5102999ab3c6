import Foundation
import LetheIO
import Testing

@Suite("PNG encoding")
struct PNGEncodingTests {
    /// Deterministic pixels that use all 256 levels in every channel.
    static func sampleImage(width: Int, height: Int, seed: Int = 1) -> ImageRGB8 {
        let pixels = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: ($0 * 7919 + seed * 104_729) >> 3) }
        return ImageRGB8(width: width, height: height, pixels: pixels)
    }

    @Test(arguments: [(1, 1), (13, 7), (64, 3), (3, 64)])
    func roundTripsThroughOurDecoder(size: (width: Int, height: Int)) throws {
        let image = Self.sampleImage(width: size.width, height: size.height)
        for level in [0, 6, 9] {
            let decoded = try ImageRGB8(decoding: try image.pngData(compressionLevel: level))
            #expect(decoded == image)
        }
    }

    @Test func writesOnlyAnRGB8NonInterlacedHeaderDataAndEnd() throws {
        let image = Self.sampleImage(width: 300, height: 2)
        let data = try image.pngData()
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var chunks: [String] = []
        var offset = 8
        while offset + 8 <= data.count {
            let length = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            chunks.append(String(decoding: data[offset + 4..<offset + 8], as: UTF8.self))
            offset += 12 + length
        }
        #expect(offset == data.count)
        #expect(chunks.first == "IHDR" && chunks.last == "IEND")
        #expect(Set(chunks.dropFirst().dropLast()) == ["IDAT"], "\(chunks)")
        // IHDR: width 300, height 2, bit depth 8, colour type 2 (RGB), compression 0, filter 0, interlace 0.
        #expect(Array(data[16..<29]) == [0, 0, 1, 44, 0, 0, 0, 2, 8, 2, 0, 0, 0])
    }

    @Test func writesAtomicallyAndReplacesAnExistingFile() throws {
        let directory = try ImageFixtures.temporaryDirectory()
        defer { ImageFixtures.removeTemporary(directory) }
        let path = directory + "/out.png"
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        let image = Self.sampleImage(width: 9, height: 4)
        try image.writePNG(toFile: path)
        #expect(try ImageRGB8(contentsOfFile: path) == image)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.png"])
    }

    @Test func aMissingDirectoryGivesAnErrorNamingThePath() throws {
        let path = try ImageFixtures.temporaryDirectory() + "/no/such/dir/out.png"
        defer { ImageFixtures.removeTemporary(path) }
        do {
            try Self.sampleImage(width: 2, height: 2).writePNG(toFile: path)
            Issue.record("writing into a missing directory succeeded")
        } catch let error {
            ImageFixtures.expectIOError(error, path: path, errno: ENOENT)
        }
    }

    @Test func rejectsBadArguments() {
        let image = Self.sampleImage(width: 2, height: 2)
        #expect(throws: ImageError.self) { try image.pngData(compressionLevel: 10) }
        #expect(throws: ImageError.self) { try image.pngData(compressionLevel: -1) }
        #expect(throws: ImageError.self) { try ImageRGB8(width: 0, height: 5).pngData() }
    }
}

/// When Python with PIL is installed, PIL decodes our PNGs to exactly our pixels.
@Suite("PNG encoding read back by PIL", .enabled(if: PILReader.isAvailable, "python3 with PIL is not installed"))
struct PNGEncodingPILTests {
    @Test(arguments: [(1, 1), (17, 5), (128, 96)])
    func pilDecodesOurPNGToTheSamePixels(size: (width: Int, height: Int)) throws {
        let image = PNGEncodingTests.sampleImage(width: size.width, height: size.height, seed: size.width)
        let path = try ImageFixtures.temporaryDirectory() + "/ours.png"
        defer { ImageFixtures.removeTemporary(path) }
        try image.writePNG(toFile: path)
        let decoded = try #require(try PILReader.decode(path))
        #expect(decoded.mode == "RGB")
        #expect(decoded.width == size.width && decoded.height == size.height)
        #expect(decoded.pixels == image.pixels)
    }
}

/// Runs python3 + PIL to decode an image file, for optional cross-checks.
enum PILReader {
    static let isAvailable: Bool = (try? run(["-c", "import PIL"]))?.status == 0

    static func decode(_ path: String) throws -> (mode: String, width: Int, height: Int, pixels: [UInt8])? {
        let script = "import sys; from PIL import Image; im = Image.open(sys.argv[1]); "
            + "print(im.mode, im.size[0], im.size[1], im.tobytes().hex())"
        let result = try run(["-c", script, path])
        guard result.status == 0 else { return nil }
        let fields = result.output.split(separator: " ")
        guard fields.count == 4, let width = Int(fields[1]), let height = Int(fields[2]) else { return nil }
        let hex = Array(fields[3].trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(hex.count / 2)
        for index in stride(from: 0, to: hex.count - 1, by: 2) {
            guard let byte = UInt8(String(decoding: hex[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            pixels.append(byte)
        }
        return (String(fields[0]), width, height, pixels)
    }

    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
