import LetheIO
import LetheTensor
import Testing

@Suite("Image resizing and training preprocessing")
struct ImageResizeTests {
    static func source() throws -> ImageRGB8 {
        let resize = ImageFixtures.manifest.resize
        return ImageRGB8(width: resize.width, height: resize.height,
                         pixels: try ImageFixtures.bytes(resize.source))
    }

    /// Downscaling, upscaling, one axis only, extreme aspect changes and 1 x 1: equal to PIL's resize.
    @Test(arguments: ImageFixtures.manifest.resize.cases)
    func resizesExactlyLikePIL(fixture: ImageFixtures.ResizeCase) throws {
        let filter = try #require(ImageResamplingFilter(rawValue: fixture.filter))
        let resized = try Self.source().resized(width: fixture.width, height: fixture.height, filter: filter)
        #expect(resized.width == fixture.width && resized.height == fixture.height)
        let expected = try ImageFixtures.bytes(fixture.expected)
        #expect(resized.pixels == expected, "\(ImageFixtures.firstDifference(resized.pixels, expected, width: fixture.width))")
    }

    @Test func anUnchangedSizeKeepsThePixels() throws {
        let source = try Self.source()
        for filter in ImageResamplingFilter.allCases {
            #expect(try source.resized(width: source.width, height: source.height, filter: filter) == source)
        }
    }

    @Test func aUniformImageStaysUniform() throws {
        // Weights sum to one in fixed point up to rounding, so a flat colour must survive any resize.
        let color: [UInt8] = [200, 17, 255]
        let flat = ImageRGB8(width: 13, height: 9, pixels: (0..<(13 * 9 * 3)).map { color[$0 % 3] })
        for filter in ImageResamplingFilter.allCases {
            for (width, height) in [(5, 4), (40, 31), (13, 2)] {
                let resized = try flat.resized(width: width, height: height, filter: filter)
                #expect(resized.pixels == (0..<(width * height * 3)).map { color[$0 % 3] })
            }
        }
    }

    @Test func rejectsEmptySizes() throws {
        let source = try Self.source()
        #expect(throws: ImageError.self) { try source.resized(width: 0, height: 5, filter: .bicubic) }
        #expect(throws: ImageError.self) { try source.resizedShorterSide(to: 0, filter: .bilinear) }
        #expect(throws: ImageError.self) {
            try ImageRGB8(width: 0, height: 0).resized(width: 4, height: 4, filter: .bilinear)
        }
    }

    /// diffusers' textual-inversion preprocessing: floor-centred square crop, PIL bicubic, pixel / 127.5 - 1.
    @Test func textualInversionPipelineMatchesTheRecipe() throws {
        let fixture = ImageFixtures.manifest.pipelines.ti
        let image = try Self.source().centerCroppedToSquare().resized(width: 8, height: 8, filter: .bicubic)
        #expect(image.pixels == (try ImageFixtures.bytes(fixture.pixels)))
        let tensor = image.tensor(normalization: .textualInversion)
        #expect(tensor.shape == [3, 8, 8])
        let expected = try ImageFixtures.floats(try #require(fixture.tensor))
        #expect(tensor.toArray().map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// Forget-Me-Not's preprocessing: torchvision Resize(8) on the shorter side with bilinear, ToTensor,
    /// Normalize([0.5], [0.5]).
    @Test func forgetMeNotPipelineMatchesTorchvision() throws {
        let fixture = ImageFixtures.manifest.pipelines.fmn
        let image = try Self.source().resizedShorterSide(to: 8, filter: .bilinear)
        // 24 x 18 -> shorter side 8, longer side int(8 * 24 / 18) = 10.
        #expect(image.width == 10 && image.height == 8)
        #expect(image.width == fixture.width && image.height == fixture.height)
        #expect(image.pixels == (try ImageFixtures.bytes(fixture.pixels)))
        let tensor = image.tensor(normalization: .torchvision)
        #expect(tensor.shape == [3, 8, 10])
        let expected = try ImageFixtures.floats(try #require(fixture.tensor))
        #expect(tensor.toArray().map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func shorterSideResizeKeepsTheAspectRatioForTallImages() throws {
        let tall = ImageRGB8(width: 18, height: 24, pixels: try Self.source().pixels)
        let resized = try tall.resizedShorterSide(to: 7, filter: .bicubic)
        // int(7 * 24 / 18) = int(9.33) = 9.
        #expect(resized.width == 7 && resized.height == 9)
    }
}

@Suite("Image cropping, flipping and grids")
struct ImageGeometryTests {
    /// A 4 x 3 image whose pixel (x, y) is (x, y, 10 * y + x).
    static let small: ImageRGB8 = {
        var pixels: [UInt8] = []
        for y in 0..<3 {
            for x in 0..<4 { pixels += [UInt8(x), UInt8(y), UInt8(10 * y + x)] }
        }
        return ImageRGB8(width: 4, height: 3, pixels: pixels)
    }()

    @Test func cropsARegion() throws {
        let crop = try Self.small.cropped(x: 1, y: 1, width: 2, height: 2)
        #expect(crop.pixels == [1, 1, 11, 2, 1, 12, 1, 2, 21, 2, 2, 22])
        #expect(throws: ImageError.self) { try Self.small.cropped(x: 3, y: 0, width: 2, height: 1) }
        #expect(throws: ImageError.self) { try Self.small.cropped(x: -1, y: 0, width: 1, height: 1) }
    }

    @Test func squareCenterCropRoundsTheOffsetDown() throws {
        // 4 x 3: side 3, left (4 - 3) // 2 = 0.
        let square = Self.small.centerCroppedToSquare()
        #expect(square == (try Self.small.cropped(x: 0, y: 0, width: 3, height: 3)))
        let wide = ImageRGB8(width: 7, height: 2, pixels: (0..<42).map { UInt8($0) })
        // side 2, left (7 - 2) // 2 = 2.
        #expect(wide.centerCroppedToSquare() == (try wide.cropped(x: 2, y: 0, width: 2, height: 2)))
    }

    @Test func torchvisionCenterCropRoundsHalfToEven() throws {
        let fixture = ImageFixtures.manifest.pipelines.torchvision_center_crop
        let source = try ImageResizeTests.source()
        let crop = try source.centerCropped(width: try #require(fixture.width), height: try #require(fixture.height))
        #expect(crop.pixels == (try ImageFixtures.bytes(fixture.pixels)))
        // 4 x 3 to 1 x 1: offsets round(1.5) = 2 and round(1.0) = 1.
        #expect(try Self.small.centerCropped(width: 1, height: 1).pixels == [2, 1, 12])
        // 4 x 3 to 3 x 2: offsets round(0.5) = 0 and round(0.5) = 0.
        #expect(try Self.small.centerCropped(width: 3, height: 2) == (try Self.small.cropped(x: 0, y: 0, width: 3, height: 2)))
    }

    @Test func torchvisionCenterCropPadsWithBlack() throws {
        // 4 x 3 to 7 x 4: padding left (7 - 4) // 2 = 1 (right 2), top (4 - 3) // 2 = 0 (bottom 1).
        let padded = try Self.small.centerCropped(width: 7, height: 4)
        #expect(padded.width == 7 && padded.height == 4)
        for y in 0..<4 {
            for x in 0..<7 {
                let inside = x >= 1 && x < 5 && y < 3
                let expected: (UInt8, UInt8, UInt8) = inside ? (UInt8(x - 1), UInt8(y), UInt8(10 * y + x - 1)) : (0, 0, 0)
                let pixel = padded.pixel(x: x, y: y)
                #expect(pixel == expected, "pixel (\(x), \(y))")
            }
        }
    }

    @Test func flipsHorizontally() {
        let flipped = Self.small.horizontallyFlipped()
        for y in 0..<3 {
            for x in 0..<4 {
                #expect(flipped.pixel(x: x, y: y) == Self.small.pixel(x: 3 - x, y: y))
            }
        }
        #expect(flipped.horizontallyFlipped() == Self.small)
    }

    @Test func tilesAGridRowByRow() throws {
        let images = (0..<3).map { index in
            ImageRGB8(width: 2, height: 1, pixels: [UInt8](repeating: UInt8(10 * (index + 1)), count: 6))
        }
        let grid = try ImageRGB8.grid(images, rows: 2, columns: 2)
        #expect(grid.width == 4 && grid.height == 2)
        // Row 0: image 0, image 1; row 1: image 2, then an empty black cell.
        let expectedLevels: [[UInt8]] = [[10, 10, 20, 20], [30, 30, 0, 0]]
        for y in 0..<2 {
            for x in 0..<4 {
                let level = expectedLevels[y][x]
                #expect(grid.pixel(x: x, y: y) == (level, level, level), "pixel (\(x), \(y))")
            }
        }
        let single = try ImageRGB8.grid([Self.small], rows: 1, columns: 1)
        #expect(single == Self.small)
    }

    @Test func gridRejectsBadLayouts() {
        let image = ImageRGB8(width: 2, height: 2)
        #expect(throws: ImageError.self) { try ImageRGB8.grid([], rows: 1, columns: 1) }
        #expect(throws: ImageError.self) { try ImageRGB8.grid([image, image, image], rows: 1, columns: 2) }
        #expect(throws: ImageError.self) { try ImageRGB8.grid([image, ImageRGB8(width: 3, height: 2)], rows: 1, columns: 2) }
        #expect(throws: ImageError.self) { try ImageRGB8.grid([image], rows: 0, columns: 1) }
    }

    @Test func convertsRGBAByDroppingAlpha() {
        let image = ImageRGB8(width: 2, height: 1, rgbaPixels: [1, 2, 3, 0, 4, 5, 6, 255])
        #expect(image.pixels == [1, 2, 3, 4, 5, 6])
    }
}
