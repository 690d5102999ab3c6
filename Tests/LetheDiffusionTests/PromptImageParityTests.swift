import Foundation
import LetheDiffusion
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// A CJK, emoji, accented, mixed-script or over-long prompt gives diffusers' image: the ids and the `output_type="np"`
/// images diffusers (with transformers 5's tokenizer) made from the tiny pipelines with their own schedulers and
/// fixed latents (Scripts/reference/make_prompt_image_fixtures.py).
@Suite struct PromptImageParityTests {
    struct Reference {
        let file: SafeTensorsFile
        let prompts: [String]
        let negativePrompt: String
        let steps: Int
        let guidanceScale: Float
        let seed: UInt64

        init() throws {
            file = try Fixture.references("prompt-images")
            let metadata = file.metadata ?? [:]
            prompts = try JSONDecoder().decode([String].self, from: Data((metadata["prompts"] ?? "[]").utf8))
            negativePrompt = try #require(metadata["negative_prompt"])
            steps = try #require(Int(metadata["steps"] ?? ""))
            guidanceScale = try #require(Float(metadata["guidance_scale"] ?? ""))
            seed = try #require(UInt64(metadata["pipeline_seed"] ?? ""))
        }

        /// Row `index` of the [rows, 77] int64 tensor `name`.
        func ids(_ name: String, row index: Int) throws -> [Int] {
            let values = try file.int64Values(named: name).map { Int($0) }
            return Array(values[(index * 77)..<((index + 1) * 77)])
        }
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func imagesMatchDiffusers(family: String) throws {
        let reference = try Reference()
        #expect(reference.prompts.count == 5)
        let pipeline = try StableDiffusionPipeline(folder: DiffusersModelFolder(url: Fixture.pipeline(family)))
        #expect(pipeline.tokenizer.compatibility == .fast)
        #expect(pipeline.tokenizer.encode(reference.negativePrompt).inputIDs
                == (try reference.ids("\(family).negative_input_ids", row: 0)))
        let images = try reference.file.tensor(named: "\(family).images")
        for (index, prompt) in reference.prompts.enumerated() {
            let ids = pipeline.tokenizer.encode(prompt).inputIDs
            let expectedIDs = try reference.ids("\(family).input_ids", row: index)
            #expect(ids == expectedIDs, "\(family): ids of \(prompt.debugDescription)")

            // The folder's own scheduler (request.scheduler nil), as diffusers' from_pretrained.
            var request = GenerationRequest(prompt: prompt, seed: reference.seed)
            request.negativePrompt = reference.negativePrompt
            request.steps = reference.steps
            request.guidanceScale = reference.guidanceScale
            request.height = 32
            request.width = 32
            request.latents = try reference.file.tensor(named: "latents")
            let image = try ImagePostprocessor.denormalizedNHWC(pipeline.generate(request))
            let expected = images.narrowed(axis: 0, start: index, length: 1)
            #expect(image.shape == expected.shape)
            let difference = zip(image.toArray(), expected.toArray()).map { abs($0 - $1) }.max() ?? .infinity
            print("\(family) \(prompt.debugDescription): max |Lethe − diffusers| = \(difference)")
            #expect(difference <= 2e-3, "\(family) \(prompt.debugDescription): max |Lethe − diffusers| = \(difference)")
        }
    }

    /// transformers 4's slow tokenizer spaces out the ideographs, so `--tokenizer slow` does not give diffusers'
    /// image for a CJK prompt.
    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func slowModeGivesAnotherImageForCJK(family: String) throws {
        let reference = try Reference()
        let slow = try StableDiffusionPipeline(folder: DiffusersModelFolder(url: Fixture.pipeline(family)), tokenizer: .slow)
        #expect(slow.tokenizer.compatibility == .slow)
        let prompt = reference.prompts[0]
        #expect(prompt.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) })
        #expect(slow.tokenizer.encode(prompt).inputIDs != (try reference.ids("\(family).input_ids", row: 0)))
        var request = GenerationRequest(prompt: prompt, seed: reference.seed)
        request.negativePrompt = reference.negativePrompt
        request.steps = reference.steps
        request.guidanceScale = reference.guidanceScale
        request.latents = try reference.file.tensor(named: "latents")
        let image = try ImagePostprocessor.denormalizedNHWC(slow.generate(request))
        let expected = try reference.file.tensor(named: "\(family).images").narrowed(axis: 0, start: 0, length: 1)
        let difference = zip(image.toArray(), expected.toArray()).map { abs($0 - $1) }.max() ?? 0
        #expect(difference > 0.05, "\(family): the slow ids gave diffusers' image (max difference \(difference))")
        // The emoji prompt has no ideographs: both modes agree on it.
        #expect(slow.tokenizer.encode(reference.prompts[1]).inputIDs == (try reference.ids("\(family).input_ids", row: 1)))
    }
}
