import LetheIO
import Testing

@Suite("JPEG encoding")
struct JPEGEncodingTests {
    @Test func encodedImagesDecodeCloseToTheOriginal() throws {
        let image = WatermarkTests.smoothPicture(width: 97, height: 61, seed: 2)
        var previousError = Double.infinity
        for quality in [30, 75, 95] {
            let data = try image.jpegData(quality: quality)
            #expect(data.starts(with: [0xFF, 0xD8]))
            let decoded = try ImageRGB8(decoding: data)
            #expect(decoded.width == 97 && decoded.height == 61)
            let meanError = zip(decoded.pixels, image.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +)
                / Double(image.pixels.count)
            // Lossy, but closer the higher the quality.
            #expect(meanError > 0 && meanError < 6, "quality \(quality): mean error \(meanError)")
            #expect(meanError < previousError)
            previousError = meanError
        }
    }

    @Test func badQualitiesAndSizesAreRefused() {
        let image = WatermarkTests.smoothPicture(width: 8, height: 8, seed: 1)
        #expect(throws: ImageError.self) { try image.jpegData(quality: 0) }
        #expect(throws: ImageError.self) { try image.jpegData(quality: 101) }
        #expect(throws: ImageError.self) { try ImageRGB8(width: 0, height: 4).jpegData() }
    }
}
