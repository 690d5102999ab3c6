import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// The learned-embeddings file (diffusers' learned_embeds.safetensors) and adding its tokens to a model.
@Suite("Learned embeddings")
struct LearnedEmbeddingsTests {
    static let folder = Fixture.pipeline("sd1-tiny")

    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lethe-embeddings-\(UUID().uuidString)-\(name)")
    }

    @Test func fileRoundTripsAndExpandsItsPlaceholder() throws {
        let url = Self.temporary("toy.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let embeddings = LearnedEmbeddings(token: "<toy>", vectors: Tensor(shape: [2, 8], repeating: 0.5))
        try embeddings.write(to: url)
        let loaded = try LearnedEmbeddings(contentsOf: url)
        #expect(loaded.token == "<toy>" && loaded.vectors.shape == [2, 8] && loaded.width == 8)
        #expect(loaded.vectors.toArray() == embeddings.vectors.toArray())
        #expect(loaded.expanding("a <toy> on a mat") == "a <toy> <toy>_1 on a mat")
    }

    @Test func filesThatAreNotEmbeddingsAndUnwritableOutputsAreNamed() throws {
        let weights = Self.folder.appendingPathComponent("unet/diffusion_pytorch_model.safetensors")
        let readError = #expect(throws: LearnedEmbeddingsError.self) { try LearnedEmbeddings(contentsOf: weights) }
        #expect(readError?.description.hasPrefix("'\(weights.path)' is not a textual-inversion embedding file: expected one tensor") == true)

        let unwritable = Self.temporary("missing").appendingPathComponent("toy.safetensors")
        let embeddings = LearnedEmbeddings(token: "<toy>", vectors: Tensor(zeros: [1, 8]))
        let writeError = #expect(throws: OutputError.self) { try embeddings.write(to: unwritable) }
        guard case .notWritable(let path, _)? = writeError else {
            Issue.record("expected notWritable, got \(String(describing: writeError))")
            return
        }
        #expect(path == unwritable.path)
    }

    @Test func addingTokensChecksTheirWidthAndNovelty() throws {
        let folder = try DiffusersModelFolder(url: Self.folder)
        let tokenizer = try CLIPTokenizer(folder: folder.componentFolder("tokenizer"))
        let extended = try LearnedEmbeddings.extend(tokenizer: tokenizer, textEncoderFolder: folder,
                                                    adding: [(["<a>", "<a>_1"], Tensor(zeros: [2, 8]))])
        #expect(extended.ids == [[49408, 49409]])
        #expect(extended.textEncoder.embeddings.vocabularySize == 49410)
        #expect(throws: LearnedEmbeddingsError.widthMismatch(shape: [1, 16], hiddenSize: 8)) {
            try LearnedEmbeddings.extend(tokenizer: tokenizer, textEncoderFolder: folder, adding: [(["<a>"], Tensor(zeros: [1, 16]))])
        }
        #expect(LearnedEmbeddingsError.widthMismatch(shape: [1, 16], hiddenSize: 8).description
            == "`embedding` has vectors of shape [1, 16], but the text encoder's hidden size is 8.")
        #expect(throws: LearnedEmbeddingsError.tokenExists(token: "cat")) {
            try LearnedEmbeddings.extend(tokenizer: tokenizer, textEncoderFolder: folder, adding: [(["cat"], Tensor(zeros: [1, 8]))])
        }
        #expect(throws: LearnedEmbeddingsError.invalidToken("a b")) {
            try LearnedEmbeddings.extend(tokenizer: tokenizer, textEncoderFolder: folder, adding: [(["a b"], Tensor(zeros: [1, 8]))])
        }
    }
}
