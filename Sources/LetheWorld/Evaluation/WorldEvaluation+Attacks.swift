import Foundation
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor

extension WorldEvaluation {
    /// The captions with the concept's words replaced by its re-learned token (or by `replacement`), whole words
    /// only ("ring" is also in "drawing").
    public static func inversionCaptions(_ captions: [String], concept: WorldConcept, replacement: String? = nil) -> [String] {
        let word = "\\b" + NSRegularExpression.escapedPattern(for: concept.name) + "\\b"
        let template = NSRegularExpression.escapedTemplate(for: replacement ?? placeholder(for: concept))
        return captions.map { $0.replacingOccurrences(of: word, with: template, options: .regularExpression) }
    }

    /// The solve behind every adversarial embedding: both models' attn2 key/value projections summed once.
    func adversarialSolver(erased: URL, baseline: URL) throws -> AdversarialEmbedding.Solver {
        func projections(_ folder: URL) throws -> CrossAttentionProjections {
            let (_, store) = try UNet2DConditionModel.loadWithWeights(from: try DiffusersModelFolder(url: folder))
            return try CrossAttentionProjections(store: store, model: folder.path)
        }
        let grams = try AdversarialEmbedding.Grams(edited: try projections(erased), original: try projections(baseline))
        return try AdversarialEmbedding.solver(grams, regularization: adversarialRegularization)
    }

    /// RECE's closed-form adversarial embedding of each caption against the erased model: the rows a* whose keys
    /// and values under the erased model's projections come closest (regularised towards zero) to the caption's
    /// under the base model's, a* = (λr I + Σ WᵀW)⁻¹ Σ WᵀW₀ c for each of its rows c. It needs no training, only
    /// both models' weights: the attack an owner of the base model can always mount. [1, tokens, hidden] each.
    func adversarialEmbeddings(_ captions: [String], solver: AdversarialEmbedding.Solver,
                               pipeline: StableDiffusionPipeline) throws -> [Tensor] {
        try captions.map { caption in
            let embedding = try pipeline.encode(prompt: caption)
            let (tokens, hidden) = (embedding.shape[1], embedding.shape[2])
            let rows = try AdversarialEmbedding.rows(of: try DoubleMatrix(embedding.reshaped([tokens, hidden])), solver: solver)
            return rows.toTensor().reshaped([1, tokens, hidden])
        }
    }

    /// Textual inversion re-learning `concept` on the erased model from the base model's pictures of it (the
    /// naming captions' images): a new token trained with `lethe invert`'s job, then the naming captions with the
    /// concept's words replaced by the token, drawn by the erased model with the learned embedding (the captions go
    /// to the log). The embedding and its report stay in `output/inversion/<concept>/`.
    func inversionAttack(_ concept: WorldConcept, naming: [WorldPromptSets.Prompt], baseImages: [ImageRGB8],
                         erased: URL, output: URL, communicator: Communicator, log: @escaping (String) -> Void,
                         draw: ([String], StableDiffusionPipeline) throws -> [ImageRGB8],
                         clock: inout StageClock) throws -> [ImageRGB8] {
        let folder = output.appendingPathComponent("inversion").appendingPathComponent(concept.slug)
        let images = folder.appendingPathComponent("images")
        if communicator.rank == 0 {
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            for (index, image) in baseImages.enumerated() {
                try image.writePNG(toFile: images.appendingPathComponent(String(format: "%03d.png", index)).path)
            }
        }
        try communicator.barrier()
        let options = Self.inversionOptions(for: concept, steps: inversionSteps, learningRate: inversionLearningRate,
                                            seed: drawing.seed, batchSize: inversionBatchSize, ranks: communicator.size)
        let embeddingFile = folder.appendingPathComponent("learned_embeds.safetensors")
        var job = TextualInversionJob(model: erased, options: options, images: images.path, output: embeddingFile)
        job.overwrite = true
        try job.run(communicator: communicator, log: log)
        try communicator.barrier()
        clock.lap("textual inversion")
        let learned = try LearnedEmbeddings(contentsOf: embeddingFile)
        let pipeline = try StableDiffusionPipeline(folder: try DiffusersModelFolder(url: erased), embeddings: [learned])
        let captions = Self.inversionCaptions(naming.map(\.caption), concept: concept)
        log("textual inversion attack captions: " + captions.joined(separator: " | "))
        let drawn = try draw(captions, pipeline)
        clock.lap("draw")
        return drawn
    }
}
