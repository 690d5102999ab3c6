import Foundation
import LetheDiffusion
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// A pipeline opened with mapped weights (the default) draws exactly what one with every weight copied into an
/// arena draws: the same floats in other memory.
@Suite struct MappedPipelineTests {
    /// sd1-tiny is float32 throughout (every weight mapped); sd2-tiny's text encoder is float16 (converted into the
    /// arena) beside float32 UNet and VAE.
    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func mappedGeneratesBitwiseTheArenaImage(family: String) throws {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline(family))
        let mapped = try StableDiffusionPipeline(folder: folder)
        let arena = try StableDiffusionPipeline(folder: folder, loading: .arena)
        var request = GenerationRequest(prompt: "a photo of a cat", seed: 7)
        request.negativePrompt = "blurry"
        request.steps = 3
        request.scheduler = .eulerAncestralDiscrete
        request.imagesPerPrompt = 2
        let fromMapping = try mapped.generate(request)
        let fromArena = try arena.generate(request)
        #expect(fromMapping.shape == fromArena.shape)
        #expect(fromMapping.toArray() == fromArena.toArray())
    }
}
