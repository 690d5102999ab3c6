import Foundation
import LetheDiffusion
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// Textual inversion against Scripts/reference/make_ti_fmn_fixtures.py (diffusers' example in PyTorch).
@Suite("Textual inversion")
struct TextualInversionTests {
    static let folderURL = Fixture.pipeline("sd1-tiny")

    static func options() -> TextualInversionOptions {
        var options = TextualInversionOptions(placeholder: "<toy>", initializer: "cat")
        options.vectors = 2
        options.learningRate = 1e-3
        options.renormalize = true
        return options
    }

    @Test func oneStepMatchesTorch() throws {
        let reference = try Fixture.references("ti-step-sd1-tiny")
        let trainer = try TextualInversionTrainer(folder: DiffusersModelFolder(url: Self.folderURL), options: Self.options())
        #expect(trainer.placeholderTokens == ["<toy>", "<toy>_1"])
        #expect(RelativeError(trainer.learnedEmbeddings.vectors, try reference.tensor(named: "initial_rows")).value == 0)
        let ids = try reference.int64Values(named: "input_ids")
        let prompts = ["a photo of a <toy> <toy>_1", "a rendering of a <toy> <toy>_1"]
        #expect(prompts.flatMap { trainer.tokenizer.encode($0).inputIDs } == ids.map(Int.init))
        let report = try trainer.step(inputIDs: CLIPTextTokenIDs(batch: 2, length: 77, values: ids),
                                      latents: try reference.tensor(named: "latents"), noise: try reference.tensor(named: "noise"),
                                      timesteps: try reference.int64Values(named: "timesteps").map(Int.init))
        let loss = try reference.tensor(named: "loss").toArray()[0], norm = try reference.tensor(named: "grad_norm").toArray()[0]
        #expect(abs(report.loss - Double(loss)) / Double(loss) < 1e-5)
        #expect(abs(report.gradientNorm - Double(norm)) / Double(norm) < 1e-4)
        #expect(RelativeError(trainer.learnedEmbeddings.vectors, try reference.tensor(named: "rows")).value < 1e-5)
    }

    @Test func learnedEmbeddingsRoundTripAndLoadInThePipeline() throws {
        let folder = try DiffusersModelFolder(url: Self.folderURL)
        let trainer = try TextualInversionTrainer(folder: folder, options: Self.options())
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ti-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try trainer.learnedEmbeddings.write(to: url)
        let file = try SafeTensorsFile.open(url)
        #expect(file.tensorNames == ["<toy>"])
        #expect(file.info(named: "<toy>")?.shape == [2, 8])
        let loaded = try LearnedEmbeddings(contentsOf: url)
        #expect(loaded.expanding("a photo of <toy>") == "a photo of <toy> <toy>_1")
        let pipeline = try StableDiffusionPipeline(folder: folder, embeddings: [loaded])
        let id = try #require(pipeline.tokenizer.tokenID(for: "<toy>_1"))
        #expect(id == 49409)
        let row = pipeline.textEncoder.embeddings.tokenEmbedding.narrowed(axis: 0, start: id, length: 1).reshaped([8])
        #expect(RelativeError(row, loaded.vectors.narrowed(axis: 0, start: 1, length: 1).reshaped([8])).value == 0)
        _ = try pipeline.encode(prompt: loaded.expanding("a photo of <toy>"))
    }

    @Test func badInputIsRefusedClearly() throws {
        let folder = try DiffusersModelFolder(url: Self.folderURL)
        var existing = Self.options()
        existing.placeholder = "cat"
        #expect(throws: LearnedEmbeddingsError.tokenExists(token: "cat")) { try TextualInversionTrainer(folder: folder, options: existing) }
        var twoTokens = Self.options()
        twoTokens.initializer = "a cat"
        #expect(throws: ErasureError.initializerNotOneToken(word: "a cat", tokens: 2)) {
            try TextualInversionTrainer(folder: folder, options: twoTokens)
        }
        var empty = Self.options()
        empty.placeholder = "  "
        let emptyError = #expect(throws: ErasureError.self) { try TextualInversionTrainer(folder: folder, options: empty) }
        if case .invalidSetting(let name, _)? = emptyError { #expect(name == .placeholder) } else { Issue.record("wrong error \(String(describing: emptyError))") }
        var emptyInitializer = Self.options()
        emptyInitializer.initializer = ""
        let initializerError = #expect(throws: ErasureError.self) { try TextualInversionTrainer(folder: folder, options: emptyInitializer) }
        if case .invalidSetting(let name, _)? = initializerError { #expect(name == .initializer) } else {
            Issue.record("wrong error \(String(describing: initializerError))")
        }
    }

    /// Both trainers check the text encoder against the UNet at load, as the pipeline does: a folder mixing model
    /// families is refused before any training, naming the UNet's config.
    @Test func trainersRefuseATextEncoderOfAnotherFamily() throws {
        let mixed = try Fixture.mixedFamilyPipeline()
        defer { try? FileManager.default.removeItem(at: mixed) }
        let folder = try DiffusersModelFolder(url: mixed)
        let expected = "cross_attention_dim is 8, but the text encoder's hidden_size is 16"
        let inversion = #expect(throws: ModelLoadingError.self) { try TextualInversionTrainer(folder: folder, options: Self.options()) }
        #expect(inversion?.description.contains(expected) == true)
        let forgetMeNot = #expect(throws: ModelLoadingError.self) {
            try ForgetMeNotTrainer(folder: folder, options: ForgetMeNotTests.options())
        }
        #expect(forgetMeNot?.description.contains(expected) == true)
    }
}
