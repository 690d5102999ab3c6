import Foundation
import LetheIO
import Testing

@Suite("JPEG decoding")
struct JPEGDecodingTests {
    /// Baseline and progressive, 4:2:0, 4:2:2 and 4:4:4, grayscale and CMYK files written by PIL: our decode
    /// equals PIL's decode of the same file exactly (both use libjpeg-turbo's default integer IDCT and fancy
    /// upsampling; CMYK goes through PIL's integer conversion).
    @Test(arguments: ImageFixtures.manifest.jpeg)
    func decodesLikePIL(fixture: ImageFixtures.DecodeCase) throws {
        try ImageFixtures.expectDecodesLikePIL(fixture)
    }

    @Test func detectsTheFormatFromTheBytesNotTheName() throws {
        let directory = try ImageFixtures.temporaryDirectory()
        defer { ImageFixtures.removeTemporary(directory) }
        let jpegNamedPNG = directory + "/photo.png"
        let pngNamedJPEG = directory + "/photo.jpg"
        try Data(try ImageFixtures.bytes("rgb_420.jpg")).write(to: URL(fileURLWithPath: jpegNamedPNG))
        try Data(try ImageFixtures.bytes("rgb8_pil.png")).write(to: URL(fileURLWithPath: pngNamedJPEG))
        #expect(try ImageRGB8(contentsOfFile: jpegNamedPNG).pixels == (try ImageFixtures.bytes("rgb_420.rgb")))
        #expect(try ImageRGB8(contentsOfFile: pngNamedJPEG).pixels == (try ImageFixtures.bytes("rgb8_pil.rgb")))
    }

    @Test(arguments: ["rgb_420.jpg", "rgb_444_progressive.jpg"], [0.1, 0.5, 0.9])
    func truncatedFilesAreReportedAsTruncated(file: String, keptFraction: Double) throws {
        let data = try ImageFixtures.bytes(file)
        let cut = Array(data.prefix(Int(Double(data.count) * keptFraction)))
        do {
            _ = try ImageRGB8(decoding: cut, source: "cut-\(file)")
            Issue.record("\(file) cut to \(cut.count) of \(data.count) bytes decoded")
        } catch let error {
            guard case let .truncated(source, format, _) = error else {
                Issue.record("expected .truncated, got \(error)")
                return
            }
            #expect(source == "cut-\(file)")
            #expect(format == .jpeg)
            #expect(error.description.contains("cut-\(file)"))
        }
    }

    @Test func garbageAfterTheStartMarkerIsCorrupt() throws {
        let data: [UInt8] = [0xFF, 0xD8, 0xFF] + Array("this is not a JPEG at all, just text".utf8)
        do {
            _ = try ImageRGB8(decoding: data, source: "fake.jpg")
            Issue.record("garbage decoded as a JPEG")
        } catch let error {
            guard case let .corrupt(source, format, detail) = error else {
                Issue.record("expected .corrupt, got \(error)")
                return
            }
            #expect(source == "fake.jpg")
            #expect(format == .jpeg)
            #expect(detail.hasPrefix("libjpeg: "), "\(detail)")
        }
    }

    @Test func twelveBitSamplesAreAnUnsupportedFeature() throws {
        var data = try ImageFixtures.bytes("rgb_420.jpg")
        let sof = try #require(startOfFrame(in: data))
        data[sof + 4] = 12 // sample precision
        do {
            _ = try ImageRGB8(decoding: data, source: "deep.jpg")
            Issue.record("a 12-bit JPEG header decoded")
        } catch let error {
            guard case let .unsupportedFeature(source, format, detail) = error else {
                Issue.record("expected .unsupportedFeature, got \(error)")
                return
            }
            #expect(source == "deep.jpg")
            #expect(format == .jpeg)
            #expect(detail.contains("precision"), "\(detail)")
        }
    }

    @Test func aZeroWidthFrameIsCorrupt() throws {
        var data = try ImageFixtures.bytes("gray.jpg")
        let sof = try #require(startOfFrame(in: data))
        data[sof + 7] = 0 // width, two bytes
        data[sof + 8] = 0
        #expect(throws: ImageError.self) { try ImageRGB8(decoding: data, source: "empty.jpg") }
    }

    @Test func anImageAboveThePixelLimitIsRefusedBeforeAllocating() throws {
        var data = try ImageFixtures.bytes("gray.jpg")
        let sof = try #require(startOfFrame(in: data))
        for offset in [5, 7] { // height and width: 60000 each
            data[sof + offset] = 0xEA
            data[sof + offset + 1] = 0x60
        }
        #expect(throws: ImageError.tooLarge(source: "big.jpg", width: 60000, height: 60000,
                                            limit: ImageRGB8.maximumPixelCount)) {
            try ImageRGB8(decoding: data, source: "big.jpg")
        }
    }

    /// Found by fuzzing: a progressive file's header declaring 4 gigapixels. libjpeg allocates a progressive
    /// image's coefficient buffers for the whole image when decompression starts (12 GB here), so the limit must
    /// refuse it from the header, before decompression starts.
    @Test func aProgressiveImageAboveThePixelLimitIsRefusedBeforeLibjpegAllocates() throws {
        var data = try ImageFixtures.bytes("rgb_444_progressive.jpg")
        let sof = try #require(startOfFrame(in: data))
        #expect(data[sof + 1] == 0xC2)
        for offset in [5, 7] { // height and width: 60000 each
            data[sof + offset] = 0xEA
            data[sof + offset + 1] = 0x60
        }
        #expect(throws: ImageError.tooLarge(source: "big-progressive.jpg", width: 60000, height: 60000,
                                            limit: ImageRGB8.maximumPixelCount)) {
            try ImageRGB8(decoding: data, source: "big-progressive.jpg")
        }
    }

    /// Found by fuzzing: 127 bytes declaring a 1258 x 65026 CMYK image whose scan hits a marker at once, so libjpeg
    /// pads the 82 megapixels with gray (as PIL does): 1.8 s and 0.6 GB, over 10 s under the sanitizers. Within
    /// `maximumPixelCount` that is the documented cost, not a hang; the fuzz target decodes with a lower limit,
    /// which must refuse the file before decoding anything.
    @Test func aLowerPixelLimitRefusesAHugeImageFromATinyFile() throws {
        let data: [UInt8] = [
            0xff, 0xd8, 0xff, 0x00, 0x64, 0x00, 0x06, 0x00, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x03,
            0x02, 0x00, 0x03, 0xfe, 0xfd, 0xfc, 0xfc, 0xfc, 0xfc, 0x4d, 0xff, 0xff, 0xff, 0xff, 0x3b, 0x00,
            0xff, 0x7c, 0x06, 0x03, 0x04, 0x05, 0x08, 0x05, 0x07, 0x04, 0x05, 0x04, 0x06, 0x07, 0x0a, 0x05,
            0x08, 0x0c, 0x0a, 0x0c, 0x0c, 0x0b, 0x0b, 0x0e, 0x0b, 0x0b, 0x10, 0x32, 0x10, 0x11, 0x13, 0x14,
            0x34, 0x15, 0x15, 0x0c, 0x0f, 0x15, 0x00, 0x15, 0x14, 0x18, 0x14, 0x16, 0x12, 0x18, 0x14, 0xff,
            0xc0, 0x00, 0x14, 0x08, 0xfe, 0x02, 0x04, 0xea, 0x04, 0x43, 0x11, 0x00, 0x4d, 0x11, 0x00, 0x59,
            0x11, 0x00, 0x4b, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x02, 0xff, 0xda, 0x00, 0x0e, 0x04, 0x43, 0x00,
            0x4d, 0x00, 0x59, 0x00, 0x4b, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 0x44, 0xf5,
        ]
        #expect(throws: ImageError.tooLarge(source: "fuzz.jpg", width: 1258, height: 65026, limit: 1 << 22)) {
            try ImageRGB8(decoding: data, source: "fuzz.jpg", pixelLimit: 1 << 22)
        }
    }

    /// Offset of the SOF0/SOF2 marker (its 0xFF byte).
    private func startOfFrame(in data: [UInt8]) -> Int? {
        var offset = 2
        while offset + 4 <= data.count, data[offset] == 0xFF {
            let marker = data[offset + 1]
            if marker == 0xC0 || marker == 0xC2 { return offset }
            offset += 2 + (Int(data[offset + 2]) << 8 | Int(data[offset + 3]))
        }
        return nil
    }
}
