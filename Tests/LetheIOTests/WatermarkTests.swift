import Foundation
import LetheIO
import Testing

@Suite("Watermark: round trips, sizes and marks")
struct WatermarkTests {
    /// A deterministic picture with soft gradients and gentle texture, like a generated image's smooth regions.
    static func smoothPicture(width: Int, height: Int, seed: Int) -> ImageRGB8 {
        var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let grain = Double(Int(state >> 61)) - 3.5
                let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
                let values = [40 + 170 * fx + grain, 60 + 120 * fy + 30 * sin(Double(seed) + 6 * fx) + grain,
                              200 - 150 * fx * fy + grain]
                for channel in 0..<3 { pixels[(y * width + x) * 3 + channel] = UInt8(max(0, min(255, values[channel]))) }
            }
        }
        return ImageRGB8(width: width, height: height, pixels: pixels)
    }

    static func flat(width: Int, height: Int, colour: (UInt8, UInt8, UInt8)) -> ImageRGB8 {
        ImageRGB8(width: width, height: height,
                  pixels: (0..<(width * height)).flatMap { _ in [colour.0, colour.1, colour.2] })
    }

    @Test(arguments: [(256, 256), (261, 259), (512, 128)])
    func flatImagesCarryEveryBitWhereTheMethodCan(size: (width: Int, height: Int)) throws {
        let marks = [try InvisibleWatermark(text: KnownWatermark.letheText), try InvisibleWatermark(text: "StableDiffusionV1")]
        for colour: (UInt8, UInt8, UInt8) in [(128, 128, 128), (30, 90, 200)] {
            let image = Self.flat(width: size.width, height: size.height, colour: colour)
            for mark in marks {
                let marked = try mark.embedded(in: image)
                #expect(marked != image)
                let reading = try InvisibleWatermark.read(marked, length: mark.bits.count)
                #expect(reading.bits == mark.bits, "\(colour) \(size)")
                #expect(reading.weakestMajority == 1, "\(colour) \(size)")
                #expect(reading.text == mark.text)
            }
        }
        // Flat yellow has U = 31, so every block's coefficients are 62, above the quarter point 45 a 0 moves one
        // to: the moved coefficient is no longer the largest, the next one (62 mod 36 = 26 > 18) reads 1, and so
        // every bit reads 1. The package reads b'\xff' * 5 from its own mark there too (checked by hand).
        let yellow = Self.flat(width: size.width, height: size.height, colour: (250, 240, 20))
        let reading = try InvisibleWatermark.read(try marks[0].embedded(in: yellow), length: 40)
        #expect(reading.bytes == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func onlyTheClosestKnownMarkIsFound() throws {
        let marked = try InvisibleWatermark(text: KnownWatermark.letheText)
            .embedded(in: Self.flat(width: 256, height: 256, colour: (128, 128, 128)))
        let matches = try KnownWatermark.matches(in: marked)
        #expect(matches.filter(\.isFound).map(\.known.name) == ["lethe"])
        #expect(matches.first?.agreeing == 40)
        // SD 1's text agrees with Lethe's beyond what coins would (their ASCII bits), and is not found.
        let sd1 = try #require(matches.first { $0.known.name == "sd1" })
        #expect(sd1.chance < KnownWatermark.foundChance)
        #expect(!sd1.isFound)
    }

    @Test func theStampMarksWhatItCanAndSaysWhatItCouldNot() throws {
        let stamp = WatermarkStamp(mark: try InvisibleWatermark(text: KnownWatermark.letheText))
        let small = Self.flat(width: 64, height: 64, colour: (128, 128, 128))
        #expect(stamp.apply(to: small) == small)
        #expect(stamp.notes.count == 1 && stamp.notes[0].hasPrefix("1 image (64 x 64 pixels) written without the invisible watermark"))
        let grey = Self.flat(width: 256, height: 256, colour: (128, 128, 128))
        #expect(stamp.apply(to: grey) == (try stamp.mark.embedded(in: grey)))
        #expect(stamp.markedCount == 1 && stamp.unreadableCount == 0 && stamp.notes.count == 1)
        // White cannot get bluer: the mark's changes to U are mostly clipped away, and it reads back as zeros.
        let white = Self.flat(width: 256, height: 256, colour: (255, 255, 255))
        let markedWhite = stamp.apply(to: white)
        #expect(markedWhite != white)
        #expect(try InvisibleWatermark.read(markedWhite, length: 40).bits.allSatisfy { $0 == 0 })
        #expect(stamp.markedCount == 2 && stamp.unreadableCount == 1)
        #expect(stamp.notes.last?.hasPrefix("1 of 2 marked images carry too little of the invisible watermark") == true)
    }

    @Test func imagesUnder65536PixelsAreRefusedByName() throws {
        let mark = try InvisibleWatermark(text: KnownWatermark.letheText)
        let small = Self.flat(width: 255, height: 256, colour: (9, 9, 9))
        #expect(!mark.fits(width: 255, height: 256))
        let error = #expect(throws: WatermarkError.self) { try mark.embedded(in: small, source: "small.png") }
        #expect(error == .imageTooSmall(source: "small.png", width: 255, height: 256))
        #expect(error?.description.contains("small.png is 255 x 256 pixels") == true)
        #expect(throws: WatermarkError.imageTooSmall(source: "small.png", width: 255, height: 256)) {
            try InvisibleWatermark.read(small, length: 40, source: "small.png")
        }
        #expect(throws: WatermarkError.self) { try KnownWatermark.matches(in: small) }
        // The package's rule is on the pixel count: 128 x 512 is enough.
        #expect(mark.fits(width: 512, height: 128))
        #expect(!mark.fits(width: 64, height: 64))
    }

    @Test func aMarkLongerThanTheImagesBlocksIsRefused() throws {
        // 8 x 8192 pixels: one row of 1024 blocks.
        let strip = Self.flat(width: 8192, height: 8, colour: (100, 100, 100))
        let fitting = try InvisibleWatermark(bits: [UInt8](repeating: 1, count: 1024))
        #expect(fitting.fits(width: 8192, height: 8))
        #expect(try InvisibleWatermark.read(try fitting.embedded(in: strip), length: 1024).bits == fitting.bits)
        let tooLong = try InvisibleWatermark(bits: [UInt8](repeating: 1, count: 1025))
        #expect(throws: WatermarkError.markTooLong(source: "the image", width: 8192, height: 8, bits: 1025, blocks: 1024)) {
            try tooLong.embedded(in: strip)
        }
    }

    @Test func badMarksAreRefused() {
        #expect(throws: WatermarkError.self) { try InvisibleWatermark(text: "") }
        #expect(throws: WatermarkError.self) { try InvisibleWatermark(bits: []) }
        #expect(throws: WatermarkError.self) { try InvisibleWatermark(bits: [0, 2]) }
        #expect(throws: WatermarkError.self) { try InvisibleWatermark(bitString: "01a1") }
        #expect(throws: WatermarkError.self) { try InvisibleWatermark(base16: "ABC") }
        #expect(throws: WatermarkError.self) { try InvisibleWatermark(base16: "ab") }
        #expect(throws: WatermarkError.self) {
            try InvisibleWatermark.read(Self.flat(width: 256, height: 256, colour: (1, 2, 3)), length: 0)
        }
    }

    @Test func textAndBytesFollowTheBytesType() throws {
        let mark = try InvisibleWatermark(text: "Lé")
        #expect(mark.bits.map(String.init).joined() == "010011001100001110101001")
        #expect(mark.bytes == [0x4C, 0xC3, 0xA9])
        #expect(mark.text == "Lé")
        #expect(try InvisibleWatermark(bitString: "0000000100").bytes == nil)
        #expect(try InvisibleWatermark(bytes: [0x07]).text == nil)
    }

    @Test func theChanceOfAgreeingIsABinomialTail() {
        let lethe = KnownWatermark.all[0]
        #expect(lethe.chance(agreeing: 0) == 1)
        // Summed in logarithms, so to rounding: relative 1e-12.
        #expect(abs(lethe.chance(agreeing: 40) / pow(0.5, 40) - 1) < 1e-12)
        #expect(abs(lethe.chance(agreeing: 39) / (41 * pow(0.5, 40)) - 1) < 1e-12)
        // P(X ≥ 20) + P(X ≥ 21) = 1 for X ~ Binomial(40, 1/2), by symmetry.
        #expect(abs(lethe.chance(agreeing: 20) + lethe.chance(agreeing: 21) - 1) < 1e-12)
        #expect(lethe.isFound(agreeing: 32) && !lethe.isFound(agreeing: 31))
    }
}
