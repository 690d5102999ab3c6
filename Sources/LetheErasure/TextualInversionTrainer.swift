import Foundation
import LetheDiffusion
import LetheDistributed
import LetheModels
import LetheTelemetry
import LetheTensor
import LetheTraining

/// Textual inversion as diffusers' example trains it: new placeholder tokens in the tokenizer, their rows appended to
/// the text encoder's token embedding and initialised from a word (or drawn at random); only those rows train, with
/// AdamW on the diffusion loss through the frozen text encoder, UNet and VAE.
public final class TextualInversionTrainer {
    public let options: TextualInversionOptions
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL
    public let objective: DiffusionObjective
    /// The placeholder and its extra tokens, and their ids (rows of the token embedding).
    public let placeholderTokens: [String]
    public let placeholderIDs: [Int]
    /// The training step, on the gradient of the placeholder rows only (no clipping, as diffusers' example).
    public let trainer: DiffusionTrainer
    /// Training image side in pixels.
    public let imageSize: Int
    public var stepsTaken: Int { trainer.stepsTaken }

    /// What one optimizer step measured (after the cross-rank reduction).
    public struct StepReport: Sendable, Codable {
        public let loss: Double
        public let gradientNorm: Double
        public let learningRate: Double
        /// Norms of the learned rows after the step.
        public let rowNorms: [Double]
    }

    public init(folder: DiffusersModelFolder, options: TextualInversionOptions) throws {
        guard !options.placeholder.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ErasureError.invalidSetting(Setting.placeholder, reason: "is empty; give a placeholder the tokenizer does not know, e.g. <my-concept>")
        }
        // Every vector is a token of the training prompt, which holds 75 besides the start and end tokens.
        let maximumVectors = CLIPTokenizer.defaultMaxLength - 2
        guard options.vectors >= 1, options.vectors <= maximumVectors else {
            throw ErasureError.invalidSetting(
                Setting.vectors, reason: "is \(options.vectors); it must be between 1 and \(maximumVectors) (each vector is a token of the \(CLIPTokenizer.defaultMaxLength)-token prompt)")
        }
        try options.validateLoop()
        self.options = options
        let baseTokenizer = try CLIPTokenizer(folder: folder.componentFolder("tokenizer"), compatibility: options.tokenizer)
        let tokens = [options.placeholder] + (1..<options.vectors).map { "\(options.placeholder)_\($0)" }
        let extended = try LearnedEmbeddings.extend(tokenizer: baseTokenizer, textEncoderFolder: folder,
                                                    adding: [(tokens, Tensor(zeros: [tokens.count, try Self.hiddenSize(folder)]))])
        tokenizer = extended.tokenizer
        textEncoder = extended.textEncoder
        placeholderTokens = tokens
        placeholderIDs = extended.ids[0]
        try Self.initialize(rows: placeholderIDs, of: textEncoder.embeddings.tokenEmbedding, from: options.initializer,
                            tokenizer: baseTokenizer, seed: options.seed)
        let table = textEncoder.embeddings.tokenEmbedding
        guard let tableName = extended.store.layout.first(where: { extended.store.offsets[$0.name] == table.offset })?.name else {
            preconditionFailure("the token embedding is not in the text encoder's store")
        }
        let gradients = try ParameterGradients(
            store: extended.store, selection: ParameterSelection(rows: [tableName: placeholderIDs]), modelName: "the text encoder")
        // No clipping, as diffusers' example.
        trainer = try options.trainer(gradients: gradients, maxGradientNorm: nil)
        unet = try UNet2DConditionModel.load(from: folder)
        try unet.checkTextEncoder(hiddenSize: textEncoder.configuration.hiddenSize, folder: folder)
        vae = try AutoencoderKL.load(from: folder)
        let scheduler = try DDPMScheduler(configuration: SchedulerConfiguration(folder: folder))
        objective = DiffusionObjective(scheduler: scheduler)
        imageSize = try TrainingResolution.side(
            requested: options.resolution, unet: unet.configuration, vae: vae.configuration)
    }

    private static func hiddenSize(_ folder: DiffusersModelFolder) throws -> Int {
        try CLIPTextConfiguration(contentsOf: folder.componentFile("text_encoder", "config.json")).hiddenSize
    }

    /// Sets the new rows: the initializer word's row (it must be one token), or N(0, σ²) draws for `<rand-σ>`.
    static func initialize(rows: [Int], of table: Tensor, from initializer: String, tokenizer: CLIPTokenizer,
                           seed: UInt64) throws {
        let width = table.shape[1]
        let base = table.pointer
        if initializer.hasPrefix("<rand-"), initializer.hasSuffix(">") {
            let text = initializer.dropFirst(6).dropLast()
            guard let sigma = Float(text), sigma >= 0, sigma.isFinite else {
                throw ErasureError.invalidSetting(Setting.initializer, reason: "is '\(initializer)'; write <rand-SIGMA> with SIGMA a number ≥ 0")
            }
            for (index, row) in rows.enumerated() {
                let values = RandomStream(seed: seed, purpose: "ti-init", id: UInt64(index)).normalFloats(count: width)
                for column in 0..<width { base[row * width + column] = values[column] * sigma }
            }
            return
        }
        guard !initializer.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ErasureError.invalidSetting(Setting.initializer, reason: "is empty; give a word of one token (e.g. person) or <rand-SIGMA>")
        }
        let ids = tokenizer.tokenIDs(for: initializer)
        guard ids.count == 1 else { throw ErasureError.initializerNotOneToken(word: initializer, tokens: ids.count) }
        if ids[0] == tokenizer.unknownTokenID { throw ErasureError.unknownWords(prompt: initializer, words: [initializer]) }
        for row in rows {
            (base + row * width).update(from: base + ids[0] * width, count: width)
        }
    }

    /// The placeholder text templates are filled with (all its tokens, space-separated).
    public var placeholderText: String { placeholderTokens.joined(separator: " ") }

    /// The learned vectors now, as the file diffusers reads.
    public var learnedEmbeddings: LearnedEmbeddings {
        let table = textEncoder.embeddings.tokenEmbedding
        let width = table.shape[1]
        let vectors = Tensor(zeros: [placeholderIDs.count, width])
        for (index, row) in placeholderIDs.enumerated() {
            (vectors.pointer + index * width).update(from: table.pointer + row * width, count: width)
        }
        return LearnedEmbeddings(token: options.placeholder, vectors: vectors)
    }

    /// The L2 norm of each learned row.
    public var rowNorms: [Double] {
        let table = textEncoder.embeddings.tokenEmbedding
        let width = table.shape[1]
        return placeholderIDs.map { row in
            var sum = 0.0
            for column in 0..<width { let value = Double(table.pointer[row * width + column]); sum += value * value }
            return sum.squareRoot()
        }
    }

    /// One optimizer step on given inputs: token ids [B, 77], scaled latents, noise and timesteps of the B local
    /// samples, of which this process holds `weight` of the global batch; then, if asked, the rows are renormalised.
    @discardableResult
    public func step(inputIDs: CLIPTextTokenIDs, latents: Tensor, noise: Tensor, timesteps: [Int], weight: Double = 1,
                     reduction: GradientReduction = .none) throws -> StepReport {
        let report = try trainer.step(reduction: reduction) { gradients in
            .batchMean(try lossAndGradients(inputIDs: inputIDs, latents: latents, noise: noise, timesteps: timesteps,
                                            gradients: gradients), weight: weight)
        }
        return finish(report)
    }

    /// The diffusion loss of these samples through the text encoder and the UNet, its gradient accumulated into
    /// `gradients` (the placeholder rows).
    func lossAndGradients(inputIDs: CLIPTextTokenIDs, latents: Tensor, noise: Tensor, timesteps: [Int],
                          gradients: ParameterGradients) throws -> Double {
        let textTape = ActivationTape()
        let context = try Activity.measure(.forward, "text encoder forward") {
            try textEncoder.promptEmbeddings(inputIDs, tape: textTape)
        }
        let batch = DiffusionTrainingBatch(latents: latents, noise: noise, timesteps: timesteps, encoderHiddenStates: context)
        let (loss, contextGradient) = try objective.lossAndGradients(unet: unet, batch: batch, gradients: gradients,
                                                                     tape: ActivationTape())
        _ = Activity.measure(.backward, "text encoder backward") {
            textEncoder.backward(contextGradient, inputIDs: inputIDs, tape: textTape, gradients: gradients)
        }
        return loss
    }

    /// After the optimizer: the renormalisation, if asked, and the step's report.
    private func finish(_ report: DiffusionTrainer.StepReport) -> StepReport {
        if options.renormalize { renormalizeRows(strength: Float(min(1, 100 * report.learningRate))) }
        return StepReport(loss: report.loss, gradientNorm: report.gradientNorm, learningRate: report.learningRate,
                          rowNorms: rowNorms)
    }

    /// Forget-Me-Not's `clip_ti_decay`: each learned row keeps its direction and its norm n becomes
    /// n + λ·(0.4 − n) (F.normalize divides by max(n, 1e-12)).
    func renormalizeRows(strength lambda: Float) {
        let table = textEncoder.embeddings.tokenEmbedding
        let width = table.shape[1]
        let target = TextualInversionOptions.renormalizationTarget
        for row in placeholderIDs {
            let values = table.pointer + row * width
            var sum: Float = 0
            for column in 0..<width { sum += values[column] * values[column] }
            let norm = sum.squareRoot()
            let scale = (norm + lambda * (target - norm)) / max(norm, 1e-12)
            for column in 0..<width { values[column] *= scale }
        }
    }

    /// The prompts of global samples `samples` at the current step: a template chosen per sample, filled with the
    /// placeholder.
    public func prompts(samples: [Int], images: TrainingImages) -> [String] {
        let count = options.template.textualInversionTemplates.count
        return samples.map {
            options.template.textualInversionPrompt(images.integer("template", upTo: count - 1, sample: $0, step: stepsTaken),
                                                    placeholder: placeholderText)
        }
    }

    /// One optimizer step on the global samples `samples` (this rank's part of the batch) drawn from `images`.
    @discardableResult
    public func step(samples: [Int], images: TrainingImages, weight: Double = 1,
                     reduction: GradientReduction = .none) throws -> StepReport {
        let (ids, drawn) = try inputs(samples: samples, images: images)
        return try step(inputIDs: ids, latents: drawn.latents, noise: drawn.noise, timesteps: drawn.timesteps,
                        weight: weight, reduction: reduction)
    }

    /// The token ids, latents, noise and timesteps of the global samples `samples` at the current step.
    private func inputs(samples: [Int], images: TrainingImages) throws -> (CLIPTextTokenIDs, DiffusionTrainingBatch) {
        try Activity.measure(.data, "batch") {
            let ids = try CLIPTextTokenIDs(prompts(samples: samples, images: images).map { tokenizer.encode($0).inputIDs })
            let pixels = try images.batch(samples: samples, step: stepsTaken)
            return (ids, try DiffusionTrainingBatch.drawing(
                images: pixels, vae: vae, encoderHiddenStates: Tensor(zeros: [1]),
                trainTimesteps: objective.noiseSchedule.numTrainTimesteps, seed: options.seed, step: stepsTaken,
                sampleIndices: samples))
        }
    }

    /// One DP-SGD step (`DiffusionTrainer.privateStep`) on this rank's samples of the step's Poisson sample, each
    /// drawn, run forward and backward and clipped on its own.
    @discardableResult
    public func privateStep(samples: [Int], images: TrainingImages, privacy: DifferentialPrivacy,
                            reduction: GradientReduction = .none) throws -> StepReport {
        finish(try trainer.privateStep(examples: samples.count, privacy: privacy, reduction: reduction) { example, gradients in
            let (ids, drawn) = try inputs(samples: [samples[example]], images: images)
            return ExampleLoss(loss: try lossAndGradients(inputIDs: ids, latents: drawn.latents, noise: drawn.noise,
                                                          timesteps: drawn.timesteps, gradients: gradients))
        })
    }
}

extension TextualInversionTrainer {
    /// Trains for `options.steps` steps with the global batch split across the ranks of `communicator`; the result
    /// does not depend on the number of ranks. `progress(step, report)` runs after each step on every rank.
    /// With `privacy` each step is DP-SGD on a Poisson sample.
    @discardableResult
    public func train(images: TrainingImages, communicator: Communicator, buckets: GradientBuckets = GradientBuckets(),
                      history: [StepReport] = [], privacy: PrivacyPlan? = nil, progress: (Int, StepReport) -> Void = { _, _ in },
                      afterStep: ([StepReport]) throws -> Void = { _ in }) throws -> [StepReport] {
        try DataParallelTraining(globalBatch: options.batchSize, communicator: communicator, buckets: buckets).run(
            trainer: trainer, steps: options.steps, history: history, sampling: privacy?.sampling,
            step: { samples, weight, reduction in
                guard let privacy else {
                    return try step(samples: samples, images: images, weight: weight, reduction: reduction)
                }
                return try privateStep(samples: samples, images: images, privacy: privacy.step, reduction: reduction)
            },
            progress: progress, afterStep: afterStep)
    }
}
