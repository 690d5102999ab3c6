import LetheIO
import LetheTensor
import Testing

@Suite("Image postprocessing and normalisation")
struct ImagePostprocessorTests {
    /// Values on both sides of every rounding boundary between two levels, exact ties (x.5 after * 255), ±0,
    /// subnormals, out-of-range values, infinities and NaN, run through diffusers' VaeImageProcessor.postprocess.
    @Test func matchesDiffusersBitForBit() throws {
        let fixture = ImageFixtures.manifest.postprocess
        let inputs = try ImageFixtures.floats(fixture.inputs)
        #expect(inputs.count == fixture.count && inputs.count == 3 * fixture.width)
        let decoded = Tensor(shape: [1, 3, 1, fixture.width], values: inputs)

        let images = try ImagePostprocessor.images(fromDecoded: decoded)
        #expect(images.count == 1)
        let expectedLevels = try ImageFixtures.bytes(fixture.pil)
        let image = try #require(images.first)
        for index in 0..<inputs.count {
            let level = image.pixels[(index % fixture.width) * 3 + index / fixture.width]
            #expect(level == expectedLevels[index], "input \(inputs[index]) (bits \(inputs[index].bitPattern))")
        }

        let array = try ImagePostprocessor.denormalizedNHWC(decoded)
        #expect(array.shape == [1, 1, fixture.width, 3])
        let expectedValues = try ImageFixtures.floats(fixture.np)
        let values = array.toArray()
        for index in 0..<inputs.count {
            let value = values[(index % fixture.width) * 3 + index / fixture.width]
            let expected = expectedValues[index]
            #expect(value.bitPattern == expected.bitPattern || (value.isNaN && expected.isNaN),
                    "input \(inputs[index]): \(value) vs \(expected)")
        }
    }

    @Test func laysOutABatchAsHWCImages() throws {
        // Two 2 x 3 images; channel c of image n at (y, x) holds one of -1, 0, 1 so every level is known by hand:
        // -1 -> 0, 0 -> round_half_even(127.5) = 128, 1 -> 255.
        let inputs: [Float] = [-1, 0, 1]
        var values: [Float] = []
        for n in 0..<2 { for c in 0..<3 { for y in 0..<2 { for x in 0..<3 { values.append(inputs[(n + c + y + x) % 3]) } } } }
        let decoded = Tensor(shape: [2, 3, 2, 3], values: values)
        let images = try ImagePostprocessor.images(fromDecoded: decoded)
        let array = try ImagePostprocessor.denormalizedNHWC(decoded)
        #expect(array.shape == [2, 2, 3, 3])
        let levels: [UInt8] = [0, 128, 255]
        let units: [Float] = [0, 0.5, 1]
        for n in 0..<2 {
            #expect(images[n].width == 3 && images[n].height == 2)
            for y in 0..<2 { for x in 0..<3 { for c in 0..<3 {
                let which = (n + c + y + x) % 3
                #expect(images[n].pixels[(y * 3 + x) * 3 + c] == levels[which])
                #expect(array[n, y, x, c] == units[which])
            } } }
        }
    }

    @Test func acceptsStridedTensors() throws {
        // A [1, 3, 2, 2] view made by transposing H and W of a dense tensor.
        let dense = Tensor(shape: [1, 3, 2, 2], values: [-1, 1, 0, 0.5, 1, -1, 0.5, 0, 0, 0, 1, 1])
        let view = dense.transposed(2, 3)
        let images = try ImagePostprocessor.images(fromDecoded: view)
        let direct = try ImagePostprocessor.images(fromDecoded: view.contiguous())
        #expect(images == direct)
        // Red channel at (y 0, x 1) of the view is dense element (0, 0, 1, 0) = 0 -> 128.
        #expect(images[0].pixel(x: 1, y: 0).red == 128)
    }

    @Test func rejectsTensorsThatAreNotRGBBatches() {
        #expect(throws: ImageError.self) { try ImagePostprocessor.images(fromDecoded: Tensor(zeros: [3, 4, 4])) }
        #expect(throws: ImageError.self) { try ImagePostprocessor.denormalizedNHWC(Tensor(zeros: [1, 4, 4, 4])) }
    }

    @Test func nanBecomesBlack() {
        #expect(ImagePostprocessor.level(ofDenormalized: ImagePostprocessor.denormalize(.nan)) == 0)
        #expect(ImagePostprocessor.denormalize(.nan).isNaN)
    }

    /// Every level through both recipes, against numpy (`x / 127.5 - 1`) and torchvision (ToTensor + Normalize).
    @Test func normalisesEveryLevelLikeTheReferenceRecipes() throws {
        let reference = try ImageFixtures.floats("normalization_levels.f32")
        #expect(reference.count == 512)
        let textualInversion = ImagePixelNormalization.textualInversion.table
        let torchvision = ImagePixelNormalization.torchvision.table
        #expect(textualInversion.map(\.bitPattern) == reference[0..<256].map(\.bitPattern))
        #expect(torchvision.map(\.bitPattern) == reference[256..<512].map(\.bitPattern))
        // The two recipes really differ in the last bit for some levels, so the distinction matters.
        #expect(textualInversion != torchvision)
    }

    @Test func imageTensorIsCHW() {
        let image = ImageRGB8(width: 2, height: 1, pixels: [0, 255, 51, 102, 153, 204])
        let tensor = image.tensor(normalization: .textualInversion)
        #expect(tensor.shape == [3, 1, 2])
        // Channel-major: red (0, 102), green (255, 153), blue (51, 204); level / 127.5 - 1 in float64.
        let expected: [Double] = [0, 102, 255, 153, 51, 204].map { $0 / 127.5 - 1 }
        #expect(tensor.toArray() == expected.map { Float($0) })
    }
}
