import LetheDiffusion
import LetheModels
import LetheTelemetry
import LetheTensor
import LetheTraining

/// The second stage of the world's recipe: a CLIP text encoder and a UNet trained from scratch, together, on the
/// diffusion objective over latents of the (frozen) VAE, with classifier-free-guidance dropout of the captions.
///
/// Both models take their weights from one parameter arena, so one gradient buffer, one allreduce and one AdamW
/// cover them; their parameter names do not overlap (the text encoder's start with `embeddings.`, `encoder.` or
/// `final_layer_norm.`), which the store checks.
public final class WorldDiffusionTrainer {
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let store: WeightStore
    public let tokenizer: CLIPTokenizer
    public let trainer: DiffusionTrainer
    public let objective: DiffusionObjective
    public let captionDropout: Double
    public let seed: UInt64

    public struct StepReport: Codable, Sendable {
        public let loss: Double
        public let gradientNorm: Double
        public let learningRate: Double
    }

    public init(options: WorldTrainingOptions.Stage, captionDropout: Double, snrGamma: Double? = nil, seed: UInt64) throws {
        let textConfiguration = try WorldModelRecipe.textEncoderConfiguration()
        let unetConfiguration = try WorldModelRecipe.unetConfiguration()
        let (models, store) = try WeightStore.initialized(seed: seed) { store in
            (try CLIPTextModel(configuration: textConfiguration, weights: store),
             try UNet2DConditionModel(configuration: unetConfiguration, weights: store))
        }
        (textEncoder, unet) = models
        self.store = store
        tokenizer = try CLIPTokenizer.bundledCLIP(padToken: CLIPTokenizer.endOfText)
        trainer = try options.trainer(gradients: try ParameterGradients(store: store, selection: .all,
                                                                        modelName: "the world's text encoder and UNet"))
        objective = try WorldModelRecipe.objective(snrGamma: snrGamma)
        self.captionDropout = captionDropout
        self.seed = seed
    }

    /// The caption sample `index` trains with at the current step: its own, or the empty prompt (dropout).
    public func trainingCaption(_ caption: String, sample index: Int) -> String {
        let draw = RandomStream(seed: seed, purpose: "world.caption-dropout", id: UInt64(index))
            .uniformDouble(at: UInt64(trainer.stepsTaken))
        return draw < captionDropout ? "" : caption
    }

    /// One optimizer step on the local samples `samples` (`weight` of the global batch): their encoded latent
    /// distributions (moments [B, 2·4, h, w]), the VAE's scaling factor and their captions.
    @discardableResult
    public func step(moments: Tensor, scalingFactor: Double, captions: [String], samples: [Int], weight: Double,
                     reduction: GradientReduction = .none) throws -> StepReport {
        let prompts = zip(captions, samples).map { trainingCaption($0, sample: $1) }
        let inputIDs = try CLIPTextTokenIDs(prompts.map { tokenizer.encode($0).inputIDs })
        let step = trainer.stepsTaken
        let report = try trainer.step(reduction: reduction) { gradients in
            let textTape = ActivationTape()
            let context = try Activity.measure(.forward, "text encoder forward") {
                try textEncoder.promptEmbeddings(inputIDs, tape: textTape)
            }
            let batch = DiffusionTrainingBatch.drawing(
                distribution: VAELatentDistribution(moments: moments), scalingFactor: scalingFactor,
                encoderHiddenStates: context, trainTimesteps: objective.noiseSchedule.numTrainTimesteps, seed: seed,
                step: step, sampleIndices: samples)
            let (loss, contextGradient) = try objective.lossAndGradients(unet: unet, batch: batch, gradients: gradients,
                                                                         tape: ActivationTape())
            _ = Activity.measure(.backward, "text encoder backward") {
                textEncoder.backward(contextGradient, inputIDs: inputIDs, tape: textTape, gradients: gradients)
            }
            return .batchMean(loss, weight: weight)
        }
        return StepReport(loss: report.loss, gradientNorm: report.gradientNorm, learningRate: report.learningRate)
    }
}
