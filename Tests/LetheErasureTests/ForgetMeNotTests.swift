import Foundation
import LetheDiffusion
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// Forget-Me-Not against Scripts/reference/make_ti_fmn_fixtures.py (train_attn.py in PyTorch, bugs fixed).
@Suite("Forget-Me-Not")
struct ForgetMeNotTests {
    static let folderURL = Fixture.pipeline("sd1-tiny")

    static func options() -> ForgetMeNotOptions {
        var options = ForgetMeNotOptions(concept: "cat")
        options.learningRate = 1e-3
        return options
    }

    static func parameter(_ store: WeightStore, _ name: String) throws -> Tensor {
        let entry = try #require(store.layout.first { $0.name == name })
        return Tensor(storage: store.arena, shape: entry.shape, offset: try #require(store.offsets[name]))
    }

    @Test func oneStepMatchesTorch() throws {
        let reference = try Fixture.references("fmn-step-sd1-tiny")
        let trainer = try ForgetMeNotTrainer(folder: DiffusersModelFolder(url: Self.folderURL), options: Self.options())
        #expect(trainer.positions == (try reference.int64Values(named: "positions")).map(Int.init))
        let report = try trainer.step(latents: try reference.tensor(named: "latents"), noise: try reference.tensor(named: "noise"),
                                      timesteps: try reference.int64Values(named: "timesteps").map(Int.init))
        let loss = Double(try reference.tensor(named: "loss").toArray()[0])
        let norm = Double(try reference.tensor(named: "grad_norm").toArray()[0])
        #expect(abs(report.loss - loss) / loss < 1e-5)
        #expect(abs(report.gradientNorm - norm) / norm < 1e-4)
        let updated = reference.tensorNames.filter { $0.hasPrefix("updated.") }
        #expect(updated.count > 10)
        for name in updated {
            let mine = try Self.parameter(trainer.unetStore, String(name.dropFirst("updated.".count)))
            #expect(RelativeError(mine, try reference.tensor(named: name)).value < 1e-4, "\(name)")
        }
    }

    @Test func trainingLowersTheAttentionOnTheConcept() throws {
        let trainer = try ForgetMeNotTrainer(folder: DiffusersModelFolder(url: Self.folderURL), options: Self.options())
        let latents = RandomStream(seed: 5, purpose: "test-latents", id: 0).normalTensor(shape: [2, 4, 8, 8])
        let noise = RandomStream(seed: 5, purpose: "test-noise", id: 0).normalTensor(shape: [2, 4, 8, 8])
        let before = try trainer.attentionMass(latents: latents, noise: noise, timesteps: [300, 600])
        for _ in 0..<5 { try trainer.step(latents: latents, noise: noise, timesteps: [300, 600]) }
        let after = try trainer.attentionMass(latents: latents, noise: noise, timesteps: [300, 600])
        #expect(before > 0)
        #expect(after < 0.8 * before)
    }

    @Test func writtenFolderLoadsAsAPipeline() throws {
        let folder = try DiffusersModelFolder(url: Self.folderURL)
        let trainer = try ForgetMeNotTrainer(folder: folder, options: Self.options())
        let latents = RandomStream(seed: 6, purpose: "test-latents", id: 0).normalTensor(shape: [1, 4, 8, 8])
        try trainer.step(latents: latents, noise: latents * 0.5, timesteps: [500])
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("fmn-\(getpid())")
        defer { try? FileManager.default.removeItem(at: destination) }
        var writer = try ErasedModelWriter(source: folder, destination: destination)
        writer.replaceWeights(of: "unet", with: trainer.unetStore)
        try writer.commit()
        let pipeline = try StableDiffusionPipeline(folder: DiffusersModelFolder(url: destination))
        let name = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"
        let (_, written) = try UNet2DConditionModel.loadWithWeights(from: DiffusersModelFolder(url: destination))
        #expect(RelativeError(try Self.parameter(written, name), try Self.parameter(trainer.unetStore, name)).value == 0)
        let (_, original) = try UNet2DConditionModel.loadWithWeights(from: folder)
        #expect(RelativeError(try Self.parameter(written, name), try Self.parameter(original, name)).value > 0)
        _ = pipeline
    }

    @Test func conceptPositionsSkipStartAndPadding() throws {
        let tokenizer = try CLIPTokenizer(folder: Self.folderURL.appendingPathComponent("tokenizer"))
        // <start> a photo of cat <end> <pad = end>…: cat at 4, the real end token at 5, never the padding ones.
        #expect(try ConceptTokens.positions(of: "cat", in: "a photo of cat", tokenizer: tokenizer, usePooler: false) == [4])
        #expect(try ConceptTokens.positions(of: "cat", in: "a photo of cat", tokenizer: tokenizer, usePooler: true) == [4, 5])
        #expect(try ConceptTokens.positions(of: "cat", in: "cat and cat", tokenizer: tokenizer, usePooler: false) == [1, 3])
    }

    /// A concept past the 77 tokens: the prompt is cut (start, 75 prompt tokens, end) and only the positions the text
    /// encoder still sees count; the pooled end token is the one at 76.
    @Test func overLongConceptIsCutWithAWarning() throws {
        var options = Self.options()
        options.concept = Array(repeating: "cat", count: 80).joined(separator: " ")
        let trainer = try ForgetMeNotTrainer(folder: DiffusersModelFolder(url: Self.folderURL), options: options)
        #expect(trainer.positions == Array(4..<76))
        #expect(trainer.inputIDs.count == 77)
        #expect(trainer.truncationWarning == "`concept` (in the prompt 'a photo of {}'): the following part of your input was truncated because CLIP can only handle sequences up to 77 tokens: cat cat cat cat cat cat cat cat")
        options.usePooler = true
        let pooled = try ConceptTokens.positions(of: options.concept, in: trainer.prompt, tokenizer: trainer.tokenizer, usePooler: true)
        #expect(pooled.last == 76)
        #expect(try ForgetMeNotTrainer(folder: DiffusersModelFolder(url: Self.folderURL), options: Self.options()).truncationWarning == nil)
    }

    @Test func badConceptsAreRefusedClearly() throws {
        let folder = try DiffusersModelFolder(url: Self.folderURL)
        var empty = Self.options()
        empty.concept = " "
        #expect(throws: ErasureError.emptyConcept(.concept)) { try ForgetMeNotTrainer(folder: folder, options: empty) }
        // Changed on purpose: an over-long prompt is cut as diffusers and the authors' code cut it, with a warning;
        // only a concept cut off entirely is refused.
        let tokenizer = try CLIPTokenizer(folder: Self.folderURL.appendingPathComponent("tokenizer"))
        let cats = Array(repeating: "cat", count: 80).joined(separator: " ")
        #expect(throws: ErasureError.invalidSetting(.concept, reason: "'dog' is cut off entirely: the prompt '\(ErrorText.capped(cats + " dog"))' is truncated to 77 tokens before the concept's first token")) {
            try ConceptTokens.positions(of: "dog", in: cats + " dog", tokenizer: tokenizer, usePooler: false)
        }
        let small = try CLIPTokenizer(vocabulary: ["a</w>": 0, "<|startoftext|>": 1, "<|endoftext|>": 2], merges: [])
        #expect(throws: ErasureError.unknownWords(prompt: "a zebra", words: ["zebra"])) {
            try ConceptTokens.ids(of: "a zebra", tokenizer: small)
        }
    }
}
