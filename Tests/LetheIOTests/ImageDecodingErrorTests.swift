import Foundation
import LetheIO
import Testing

@Suite("Image decoding errors")
struct ImageDecodingErrorTests {
    @Test func aTextFileIsNotAnImage() throws {
        let path = try ImageFixtures.temporaryDirectory() + "/notes.png"
        defer { ImageFixtures.removeTemporary(path) }
        try Data("hello, this is text\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ImageRGB8(contentsOfFile: path)
            Issue.record("a text file decoded as an image")
        } catch let error {
            guard case let .unsupportedFormat(source, found) = error else {
                Issue.record("expected .unsupportedFormat, got \(error)")
                return
            }
            #expect(source == path)
            #expect(found.contains("68 65 6C 6C 6F"), "\(found)") // "hello"
            #expect(error.description.contains(path))
            #expect(error.description.contains("not a PNG or JPEG image"))
        }
    }

    static let otherFormats: [(data: [UInt8], name: String)] = [
        (Array("GIF89a".utf8) + [1, 0, 1, 0], "GIF"),
        (Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8), "WebP"),
        (Array("BM".utf8) + [0, 0, 0, 0], "BMP"),
    ]

    @Test(arguments: otherFormats)
    func otherFormatsAreNamed(data: [UInt8], name: String) {
        do {
            _ = try ImageRGB8(decoding: data, source: "other")
            Issue.record("\(name) data decoded")
        } catch let error {
            #expect(error.description.contains(name), "\(error)")
        }
    }

    @Test func anEmptyFileIsNotAnImage() throws {
        let path = try ImageFixtures.temporaryDirectory() + "/empty.jpg"
        defer { ImageFixtures.removeTemporary(path) }
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(throws: ImageError.unsupportedFormat(source: path, found: "the data is empty")) {
            try ImageRGB8(contentsOfFile: path)
        }
    }

    @Test func aMissingFileNamesThePathAndErrno() throws {
        let path = try ImageFixtures.temporaryDirectory() + "/missing.png"
        defer { ImageFixtures.removeTemporary(path) }
        do {
            _ = try ImageRGB8(contentsOfFile: path)
            Issue.record("a missing file decoded")
        } catch let error {
            ImageFixtures.expectIOError(error, path: path, errno: ENOENT)
        }
    }

    @Test func aDirectoryIsNotAnImage() throws {
        let path = try ImageFixtures.temporaryDirectory()
        defer { ImageFixtures.removeTemporary(path) }
        #expect(throws: ImageError.self) { try ImageRGB8(contentsOfFile: path) }
    }

    /// Damaged files must come back as an image or an `ImageError`, never crash or exit the process (libpng and
    /// libjpeg errors longjmp back into our C helpers).
    @Test(arguments: ["rgb8_interlaced.png", "palette2_interlaced.png", "rgba16.png", "rgb_420.jpg",
                      "rgb_444_progressive.jpg", "cmyk.jpg"])
    func damagedFilesNeverCrash(file: String) throws {
        let original = try ImageFixtures.bytes(file)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var failures = 0
        for trial in 0..<300 {
            var data = original
            // Keep the signature so the codec, not format detection, sees the damage.
            for _ in 0...(trial % 4) {
                let index = 8 + next() % (data.count - 8)
                data[index] = UInt8(truncatingIfNeeded: next())
            }
            if trial % 3 == 0 { data.removeLast(next() % (data.count - 8)) }
            do {
                let image = try ImageRGB8(decoding: data, source: "damaged")
                #expect(image.pixels.count == image.width * image.height * 3)
            } catch {
                failures += 1
            }
        }
        // Most of the damage is detected: chunk CRCs, zlib checks and JPEG markers catch it.
        #expect(failures > 0)
    }

    @Test func signaturesAreDetected() throws {
        let png = try ImageFixtures.bytes("gray8_pil.png")
        let jpeg = try ImageFixtures.bytes("gray.jpg")
        #expect(png.withUnsafeBytes { ImageFormat.detect($0) } == .png)
        #expect(jpeg.withUnsafeBytes { ImageFormat.detect($0) } == .jpeg)
        #expect(Array("P6\n".utf8).withUnsafeBytes { ImageFormat.detect($0) } == nil)
        #expect(Array(png.prefix(7)).withUnsafeBytes { ImageFormat.detect($0) } == nil)
    }
}
