import Foundation
import LetheDiffusion
import LetheDistributed
import LetheModels
import LetheTelemetry
import LetheTensor
import LetheTraining

/// Forget-Me-Not's attention re-steering (train_attn.py): the UNet is trained to lower the L2 norm of the
/// cross-attention probabilities every attn2 layer gives to the concept's tokens, for noised latents of images of
/// the concept and the prompt "a photo of CONCEPT" (or "a photo in the style of CONCEPT").
///
/// Two upstream bugs are fixed: the token mask is paired with each sample's heads (upstream repeats it head-major,
/// mixing samples when the batch holds more than one), and the gradient is clipped to `maxGradientNorm` (upstream
/// clipped a parameter generator the optimizer had already consumed, so clipping never ran).
public final class ForgetMeNotTrainer {
    public let options: ForgetMeNotOptions
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let unetStore: WeightStore
    public let vae: AutoencoderKL
    public let noiseSchedule: NoiseSchedule
    /// The training step, on the gradient of the trained UNet parameters.
    public let trainer: DiffusionTrainer
    public let imageSize: Int
    /// The training prompt, its token ids and the concept's positions in them.
    public let prompt: String
    public let inputIDs: [Int]
    public let positions: [Int]
    public var stepsTaken: Int { trainer.stepsTaken }
    private let promptEmbedding: Tensor
    private let attentionLoss: ConceptAttentionLoss
    private let hooks = AttentionHooks()

    /// What one step measured (after the cross-rank reduction).
    public struct StepReport: Sendable, Codable {
        /// The attention loss √(Σ P²) over the global batch before the step.
        public let loss: Double
        /// Global gradient norm before clipping.
        public let gradientNorm: Double
        public let learningRate: Double
        /// Mean attention probability on the concept's tokens (over layers, samples, heads and queries) before the step.
        public let attentionMass: Double
    }

    /// Loads the model (with `embeddings` added to its tokenizer and text encoder, for concepts learned by textual
    /// inversion) and checks the concept.
    public init(folder: DiffusersModelFolder, options: ForgetMeNotOptions, embeddings: [LearnedEmbeddings] = []) throws {
        try options.validateLoop()
        guard options.train == "attn2" || options.train == "all" else {
            throw ErasureError.invalidSetting(Setting.train, reason: "is '\(options.train)'; use attn2 or all")
        }
        if let norm = options.maxGradientNorm, !(norm > 0 && norm.isFinite) {
            throw ErasureError.invalidSetting(Setting.maxGradientNorm, reason: "is \(norm); it must be a positive number")
        }
        self.options = options
        let baseTokenizer = try CLIPTokenizer(folder: folder.componentFolder("tokenizer"), compatibility: options.tokenizer)
        let concept = embeddings.reduce(options.concept) { $1.expanding($0) }
        (tokenizer, textEncoder) = try LearnedEmbeddings.textEncoder(folder: folder, tokenizer: baseTokenizer,
                                                                     embeddings: embeddings)
        prompt = options.template.forgetMeNotPrompt(concept: concept)
        positions = try ConceptTokens.positions(of: concept, in: prompt, tokenizer: tokenizer, usePooler: options.usePooler)
        inputIDs = tokenizer.encode(prompt).inputIDs
        promptEmbedding = try textEncoder.promptEmbeddings(CLIPTextTokenIDs([inputIDs]))
        (unet, unetStore) = try UNet2DConditionModel.loadWithWeights(from: folder)
        try unet.checkTextEncoder(hiddenSize: textEncoder.configuration.hiddenSize, folder: folder)
        guard unetStore.layout.contains(where: { $0.name.contains("attn2") }) else {
            throw ErasureError.noCrossAttention(model: folder.url.path)
        }
        vae = try AutoencoderKL.load(from: folder)
        noiseSchedule = try DDPMScheduler(configuration: SchedulerConfiguration(folder: folder)).noiseSchedule
        let gradients = try ParameterGradients(store: unetStore, selection: ParameterSelection([options.train]),
                                               modelName: "the UNet")
        trainer = try options.trainer(gradients: gradients, maxGradientNorm: options.maxGradientNorm)
        attentionLoss = try ConceptAttentionLoss(tokenPositions: [positions], tokenCount: inputIDs.count)
        attentionLoss.register(on: hooks)
        imageSize = try TrainingResolution.side(
            requested: options.resolution, unet: unet.configuration, vae: vae.configuration)
    }

    /// The prompt's embedding repeated for `count` samples.
    private func context(count: Int) -> Tensor {
        Tensor.concatenate([Tensor](repeating: promptEmbedding, count: count), axis: 0)
    }

    /// Mean concept attention mass of the layers captured by the last forward pass.
    private var meanMass: Double {
        let masses = attentionLoss.attentionMass
        return masses.isEmpty ? 0 : masses.reduce(0.0) { $0 + Double($1.mass) } / Double(masses.count)
    }

    /// The attention mass on the concept's tokens for given noised inputs (no training): the mean over layers,
    /// samples, heads and queries.
    public func attentionMass(latents: Tensor, noise: Tensor, timesteps: [Int]) throws -> Double {
        let count = latents.shape[0]
        try attentionLoss.reset(tokenPositions: [[Int]](repeating: positions, count: count))
        let noisy = try noiseSchedule.addNoise(original: latents, noise: noise, timesteps: timesteps)
        _ = try unet.forward(sample: noisy, timesteps: timesteps.map(Float.init), encoderHiddenStates: context(count: count),
                             tape: ActivationTape(recording: false, hooks: hooks))
        return meanMass
    }

    /// One optimizer step on the local samples' scaled latents, noise and timesteps, of which this process holds
    /// `weight` of the global batch. The loss is the norm of every process's captured probabilities together,
    /// √(Σ_ranks Σ P²): each process sums its Σ P² (and its weighted attention mass) with the others', then rescales
    /// its gradient of its own norm, ‖P_r‖, by ‖P_r‖ / ‖P‖ so that the summed gradients are the global norm's.
    @discardableResult
    public func step(latents: Tensor, noise: Tensor, timesteps: [Int], weight: Double = 1,
                     reduction: GradientReduction = .none) throws -> StepReport {
        let report = try trainer.step(reduction: reduction) { gradients in
            let localLoss = try lossAndGradients(latents: latents, noise: noise, timesteps: timesteps, gradients: gradients)
            return DiffusionTrainer.LocalLoss(
                sums: [localLoss * localLoss, meanMass * weight], globalLoss: { $0[0].squareRoot() },
                gradientScale: { sums in
                    let loss = sums[0].squareRoot()
                    return localLoss == loss ? 1 : loss > 0 ? localLoss / loss : 0
                })
        }
        return StepReport(loss: report.loss, gradientNorm: report.gradientNorm, learningRate: report.learningRate,
                          attentionMass: report.sums[1])
    }

    /// The attention loss ‖P‖ of these samples (the norm of their captured probabilities on the concept's tokens),
    /// its gradient accumulated into `gradients`; `meanMass` then holds their attention mass.
    private func lossAndGradients(latents: Tensor, noise: Tensor, timesteps: [Int], gradients: ParameterGradients) throws -> Double {
        let count = latents.shape[0]
        let tape = ActivationTape(hooks: hooks)
        let output = try Activity.measure(.forward, "UNet forward") {
            try attentionLoss.reset(tokenPositions: [[Int]](repeating: positions, count: count))
            let noisy = try noiseSchedule.addNoise(original: latents, noise: noise, timesteps: timesteps)
            return try unet.forward(sample: noisy, timesteps: timesteps.map(Float.init),
                                    encoderHiddenStates: context(count: count), tape: tape)
        }
        let loss = Double(attentionLoss.loss)
        _ = Activity.measure(.backward, "UNet backward") {
            unet.backward(Tensor(zeros: output.shape), tape: tape, gradients: gradients, inputGradients: [])
        }
        return loss
    }

    /// One DP-SGD step (`DiffusionTrainer.privateStep`) on this rank's samples of the step's Poisson sample, each
    /// drawn, run forward and backward and clipped on its own. Each example's loss is its own attention norm
    /// ‖P_i‖ (DP-SGD needs a loss per example); the report's loss is their mean over the batch, which for a batch
    /// of one is the loss above.
    @discardableResult
    public func privateStep(samples: [Int], images: TrainingImages, privacy: DifferentialPrivacy,
                            reduction: GradientReduction = .none) throws -> StepReport {
        let report = try trainer.privateStep(examples: samples.count, privacy: privacy, reduction: reduction) { example, gradients in
            let batch = try Activity.measure(.data, "batch") {
                try drawBatch(samples: [samples[example]], images: images, step: stepsTaken)
            }
            let loss = try lossAndGradients(latents: batch.latents, noise: batch.noise, timesteps: batch.timesteps,
                                            gradients: gradients)
            return ExampleLoss(loss: loss, measure: meanMass)
        }
        return StepReport(loss: report.loss, gradientNorm: report.gradientNorm, learningRate: report.learningRate,
                          attentionMass: report.sums[1])
    }
}

extension ForgetMeNotTrainer {
    /// The local part of the batch of step `step`: the images of this rank's global samples through the VAE,
    /// with their noise and timesteps (keyed by sample index, so the split across ranks does not change them).
    public func drawBatch(samples: [Int], images: TrainingImages, step: Int) throws -> DiffusionTrainingBatch {
        let pixels = try images.batch(samples: samples, step: step)
        return try DiffusionTrainingBatch.drawing(
            images: pixels, vae: vae, encoderHiddenStates: Tensor(zeros: [1]),
            trainTimesteps: noiseSchedule.numTrainTimesteps, seed: options.seed, step: step, sampleIndices: samples)
    }

    /// The attention mass on the concept's tokens over the global batch of step 0 (the same inputs before and
    /// after training), averaged across ranks.
    public func evaluateAttentionMass(images: TrainingImages, communicator: Communicator) throws -> Double {
        let split = try DataParallelSplit(globalBatch: options.batchSize, rank: communicator.rank, size: communicator.size)
        let batch = try drawBatch(samples: split.sampleIndices(step: 0), images: images, step: 0)
        let local = try attentionMass(latents: batch.latents, noise: batch.noise, timesteps: batch.timesteps) * split.weight
        return try communicator.allreduce(local, op: .sum)
    }

    /// Trains for `options.steps` steps with the global batch split across the ranks of `communicator`; with
    /// `privacy` each step is DP-SGD on a Poisson sample.
    @discardableResult
    public func train(images: TrainingImages, communicator: Communicator, buckets: GradientBuckets = GradientBuckets(),
                      history: [StepReport] = [], privacy: PrivacyPlan? = nil, progress: (Int, StepReport) -> Void = { _, _ in },
                      afterStep: ([StepReport]) throws -> Void = { _ in }) throws -> [StepReport] {
        try DataParallelTraining(globalBatch: options.batchSize, communicator: communicator, buckets: buckets).run(
            trainer: trainer, steps: options.steps, history: history, sampling: privacy?.sampling,
            step: { samples, weight, reduction in
                if let privacy {
                    return try privateStep(samples: samples, images: images, privacy: privacy.step, reduction: reduction)
                }
                let batch = try Activity.measure(.data, "batch") {
                    try drawBatch(samples: samples, images: images, step: stepsTaken)
                }
                return try step(latents: batch.latents, noise: batch.noise, timesteps: batch.timesteps, weight: weight,
                                reduction: reduction)
            },
            progress: progress, afterStep: afterStep)
    }
}
