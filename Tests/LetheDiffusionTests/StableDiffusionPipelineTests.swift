import Foundation
import LetheDiffusion
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// The whole text-to-image run against diffusers' `output_type="np"` images of the tiny reference pipelines
/// (Scripts/reference/make_pipeline_fixtures.py): same latents, same seed for the schedulers' own noise.
@Suite struct StableDiffusionPipelineTests {
    static let schedulers: [(String, SchedulerKind)] = [
        ("ddim", .ddim), ("pndm", .pndm), ("euler", .eulerDiscrete), ("euler-a", .eulerAncestralDiscrete), ("ddpm", .ddpm),
    ]

    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func imagesMatchDiffusersForEveryScheduler(family: String) throws {
        let pipeline = try StableDiffusionPipeline(
            folder: DiffusersModelFolder(url: Fixture.pipeline(family)))
        let references = try Fixture.references(family)
        let prompts = try JSONDecoder().decode([String].self, from: Data((references.metadata?["prompts"] ?? "[]").utf8))
        for (key, kind) in Self.schedulers {
            var request = GenerationRequest(prompt: prompts[0], seed: 1234)
            request.negativePrompt = references.metadata?["negative_prompt"]
            request.steps = 4
            request.guidanceScale = 7.5
            request.scheduler = kind
            request.height = 32
            request.width = 32
            request.latents = try references.tensor(named: "pipeline.latents")
            let image = try ImagePostprocessor.denormalizedNHWC(pipeline.generate(request))
            let expected = try references.tensor(named: "pipeline.\(key).image")
            #expect(image.shape == expected.shape)
            let difference = zip(image.toArray(), expected.toArray()).map { abs($0 - $1) }.max() ?? .infinity
            print("\(family) \(key): max |Lethe − diffusers| = \(difference)")
            #expect(difference <= 2e-3, "\(family) with \(key): max |Lethe − diffusers| = \(difference)")
        }
    }

    @Test func defaultSizeComesFromTheUNetAndVAE() throws {
        let pipeline = try StableDiffusionPipeline(
            folder: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        #expect(pipeline.vaeScaleFactor == 4)
        #expect(pipeline.nativeImageSize == (32, 32))
    }

    @Test func badRequestsAreNamed() throws {
        let pipeline = try StableDiffusionPipeline(
            folder: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        var request = GenerationRequest(prompt: "a cat", seed: 0)
        request.height = 30
        #expect(throws: GenerationError.self) { try pipeline.generate(request) }
        request.height = 32
        request.latents = Tensor(zeros: [1, 4, 4, 4])
        // The width not given is the latents' (4 × 4 pixels); the height given disagrees with them.
        #expect(throws: GenerationError.latentsShape(expected: [1, 4, 8, 4], found: [1, 4, 4, 4])) { try pipeline.generate(request) }
        request.latents = Tensor(shape: [1, 4, 8, 8], repeating: .nan)
        #expect(throws: GenerationError.self) { try pipeline.generate(request) }
    }

    @Test func latentsAloneSetTheImageSize() throws {
        // As diffusers, which takes the latents as given: [1, 4, 4, 6] on a VAE of scale factor 4 is a 16×24 image.
        let pipeline = try StableDiffusionPipeline(
            folder: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        var request = GenerationRequest(prompt: "a cat", seed: 0)
        request.steps = 1
        request.latents = Tensor(zeros: [1, 4, 4, 6])
        #expect(try pipeline.generate(request).shape == [1, 3, 16, 24])
        request.width = 24
        #expect(try pipeline.generate(request).shape == [1, 3, 16, 24])
        // A side that is given and disagrees with the latents stays an error.
        request.width = 32
        #expect(throws: GenerationError.latentsShape(expected: [1, 4, 4, 8], found: [1, 4, 4, 6])) { try pipeline.generate(request) }
        request.width = nil
        request.height = 32
        #expect(throws: GenerationError.latentsShape(expected: [1, 4, 8, 6], found: [1, 4, 4, 6])) { try pipeline.generate(request) }
        // Latents of another rank are not a size: the shape check names them.
        request.height = nil
        request.latents = Tensor(zeros: [4, 4, 6])
        #expect(throws: GenerationError.latentsShape(expected: [1, 4, 8, 8], found: [4, 4, 6])) { try pipeline.generate(request) }
    }

    /// With or without learned embeddings (as wide as that text encoder), the folder is refused at load.
    @Test(arguments: [false, true])
    func textEncoderOfAnotherFamilyIsRefusedAtLoad(withEmbeddings: Bool) throws {
        let mixed = try Fixture.mixedFamilyPipeline()
        defer { try? FileManager.default.removeItem(at: mixed) }
        let embeddings = withEmbeddings ? [LearnedEmbeddings(token: "<toy>", vectors: Tensor(zeros: [2, 16]))] : []
        do {
            _ = try StableDiffusionPipeline(folder: DiffusersModelFolder(url: mixed), embeddings: embeddings)
            Issue.record("an SD 2.x text encoder loaded beside an SD 1.x UNet")
        } catch let error as ModelLoadingError {
            #expect(error.description.contains("cross_attention_dim is 8, but the text encoder's hidden_size is 16"))
        }
    }

    /// A placeholder whose vectors are the rows of two words generates, bit for bit, the image of those words: the
    /// tokens are added to the tokenizer and the vectors to the text encoder's table, nothing else changes.
    @Test func learnedEmbeddingsGenerateTheImageOfTheWordsTheyCopy() throws {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny"))
        let plain = try StableDiffusionPipeline(folder: folder)
        let ids = ["cat", "dog"].flatMap { plain.tokenizer.tokenIDs(for: $0) }
        #expect(ids.count == 2)
        let table = plain.textEncoder.embeddings.tokenEmbedding
        let vectors = Tensor.concatenate(ids.map { table.narrowed(axis: 0, start: $0, length: 1) }, axis: 0).copy()
        let embeddings = LearnedEmbeddings(token: "<toy>", vectors: vectors)
        let learned = try StableDiffusionPipeline(folder: folder, embeddings: [embeddings])
        #expect(learned.tokenizer.tokenID(for: "<toy>") == 49408)
        #expect(learned.tokenizer.tokenID(for: "<toy>_1") == 49409)
        #expect(learned.textEncoder.embeddings.vocabularySize == plain.textEncoder.embeddings.vocabularySize + 2)

        var request = GenerationRequest(prompt: embeddings.expanding("a photo of <toy>"), seed: 7)
        request.steps = 2
        let learnedImage = try learned.generate(request)
        request.prompt = "a photo of cat dog"
        let plainImage = try plain.generate(request)
        #expect(learnedImage.shape == [1, 3, 32, 32])
        #expect(learnedImage.toArray() == plainImage.toArray())
        // And the placeholder does change the image: without it, the prompt is another one.
        request.prompt = "a photo of"
        #expect(try plain.generate(request).toArray() != plainImage.toArray())
    }

    /// diffusers' `prompt_embeds`: the prompt's own embeddings give the prompt's image bit for bit, other ones another
    /// image, and embeddings of the wrong shape or with NaN are refused by name.
    @Test func promptEmbeddingsStandInForThePrompt() throws {
        let pipeline = try StableDiffusionPipeline(folder: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        var request = GenerationRequest(prompt: "a photo of a cat", seed: 3)
        request.steps = 2
        let fromPrompt = try pipeline.generate(request)
        var embedded = request
        embedded.prompt = "ignored when embeddings are given"
        embedded.promptEmbeddings = try pipeline.encode(prompt: "a photo of a cat")
        #expect(try pipeline.generate(embedded).toArray() == fromPrompt.toArray())
        embedded.promptEmbeddings = try pipeline.encode(prompt: "a photo of a dog")
        #expect(try pipeline.generate(embedded).toArray() != fromPrompt.toArray())

        let hidden = pipeline.textEncoder.configuration.hiddenSize
        for bad in [Tensor(zeros: [77, hidden]), Tensor(zeros: [2, 77, hidden]), Tensor(zeros: [1, 77, hidden + 1])] {
            embedded.promptEmbeddings = bad
            #expect { try pipeline.generate(embedded) } throws: { "\($0)".contains("promptEmbeddings") && "\($0)".contains("\(bad.shape)") }
        }
        let nan = Tensor(zeros: [1, 77, hidden])
        nan.withUnsafeMutableBufferPointer { $0[5] = .nan }
        embedded.promptEmbeddings = nan
        #expect { try pipeline.generate(embedded) } throws: { "\($0)".contains("promptEmbeddings") && "\($0)".contains("NaN") }
    }
}
