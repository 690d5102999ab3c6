import Foundation
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// Training sizes (resolution, batch, vectors, steps) are bounded before anything is allocated, with errors
/// naming the flag and the limit.
@Suite("Training bounds")
struct TrainingBoundsTests {
    static let folder = Fixture.pipeline("sd1-tiny")

    static func configurations() throws -> (UNet2DConditionConfiguration, AutoencoderKLConfiguration) {
        (try UNet2DConditionConfiguration.load(from: folder.appendingPathComponent("unet/config.json")),
         try AutoencoderKLConfiguration.load(from: folder.appendingPathComponent("vae/config.json")))
    }

    @Test func aBatchBeyondMemoryNamesBatchSize() throws {
        let (unet, vae) = try Self.configurations()
        try TrainingMemory.checkBatch(batchSize: 3, ranks: 1, side: 32, unet: unet, vae: vae, available: 1 << 30)
        do {
            try TrainingMemory.checkBatch(batchSize: 1_000_000, ranks: 1, side: 32, unet: unet, vae: vae, available: 1 << 30)
            Issue.record("a batch of 1000000 was accepted")
        } catch let error as ResourceError {
            #expect(error.description.contains("`batchSize`") && error.description.contains("1000000"))
        }
        // The estimate is per rank: the same batch over more ranks needs less on each.
        let perSample = try #require(TrainingMemory.perSample(side: 32, unet: unet, vae: vae))
        try TrainingMemory.checkBatch(batchSize: 4, ranks: 2, side: 32, unet: unet, vae: vae, available: 2 * perSample)
        #expect(throws: ResourceError.self) {
            try TrainingMemory.checkBatch(batchSize: 4, ranks: 1, side: 32, unet: unet, vae: vae, available: 2 * perSample)
        }
        #expect(TrainingMemory.perSample(side: Int.max / 2, unet: unet, vae: vae) == nil)
    }

    @Test func resolutionIsBoundedBeforeImagesArePrepared() throws {
        let images = ImageFolder(images: [ImageRGB8(width: 4, height: 4, pixels: [UInt8](repeating: 9, count: 48))], names: ["a.png"])
        #expect(throws: ResourceError.outOfRange(setting: .resolution, value: "100000", minimum: 1, maximum: 16_384, unit: "pixels")) {
            try TrainingImages(folder: images, size: 100_000, preprocessing: .forgetMeNot(centerCrop: false), seed: 0)
        }
        var options = ForgetMeNotOptions(concept: "cat")
        options.resolution = 100_000
        #expect(throws: ResourceError.self) {
            try ForgetMeNotTrainer(folder: DiffusersModelFolder(url: Self.folder), options: options)
        }
    }

    @Test func vectorsAndStepsAreBounded() throws {
        var options = TextualInversionOptions(placeholder: "<toy>", initializer: "cat")
        options.vectors = 1_000_000_000
        do {
            _ = try TextualInversionTrainer(folder: DiffusersModelFolder(url: Self.folder), options: options)
            Issue.record("a billion vectors were accepted")
        } catch let error as ErasureError {
            #expect(error.description.contains("`vectors`") && error.description.contains("between 1 and 75"))
        }
        options.vectors = 1
        options.steps = Int.max / 2
        options.batchSize = 4
        do {
            _ = try TextualInversionTrainer(folder: DiffusersModelFolder(url: Self.folder), options: options)
            Issue.record("steps × batch beyond an Int were accepted")
        } catch let error as ErasureError {
            #expect(error.description.contains("`steps`") && error.description.contains("`batchSize`"))
        }
    }
}
