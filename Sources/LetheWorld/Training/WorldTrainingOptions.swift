import LetheErasure
import LetheModels
import LetheTraining

/// The settings of the world's training recipe: one loop per stage (the VAE, then the text encoder and UNet
/// together), the size of the encoded training set and the regularisers. The defaults are the recipe of the
/// shipped default model.
public struct WorldTrainingOptions: Sendable, Equatable {
    /// One stage's loop: AdamW under a diffusers learning-rate schedule, gradients clipped to norm 1.
    public struct Stage: Sendable, Equatable, TrainingLoopOptions {
        public var steps: Int
        public var batchSize: Int
        public var learningRate: Double
        public var schedule = "cosine"
        public var warmupSteps: Int
        public var beta1 = 0.9
        public var beta2 = 0.999
        public var epsilon = 1e-8
        public var weightDecay = 1e-2

        public init(steps: Int, batchSize: Int, learningRate: Double, warmupSteps: Int) {
            self.steps = steps
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.warmupSteps = warmupSteps
        }

        func trainer(gradients: ParameterGradients) throws -> DiffusionTrainer {
            try trainer(gradients: gradients, maxGradientNorm: 1)
        }

        var summary: [String: String] {
            ["steps": "\(steps)", "batch_size": "\(batchSize)", "learning_rate": "\(learningRate)",
             "lr_scheduler": schedule, "lr_warmup_steps": "\(warmupSteps)", "adam_beta1": "\(beta1)",
             "adam_beta2": "\(beta2)", "adam_epsilon": "\(epsilon)", "weight_decay": "\(weightDecay)"]
        }
    }

    public var autoencoder = Stage(steps: 600, batchSize: 16, learningRate: 1e-3, warmupSteps: 50)
    public var diffusion = Stage(steps: 6000, batchSize: 32, learningRate: 1e-3, warmupSteps: 100)
    /// Weight of the KL term against the mean squared reconstruction error.
    public var klWeight = 1e-7
    /// Pictures drawn and encoded once for the diffusion stage, which walks them in a fresh order each epoch.
    public var trainingImages = 16_000
    /// How often a caption is replaced by the empty prompt, so the model also learns the unconditional prediction
    /// that classifier-free guidance needs.
    public var captionDropout = 0.1
    /// γ of the diffusion stage's Min-SNR-γ loss weighting (diffusers' `--snr_gamma`; nil: plain mean squared error).
    public var snrGamma: Double? = 5
    /// Seed of the pictures, the initial weights and every random draw of training.
    public var seed: UInt64 = 0

    public init() {}

    /// The settings as a training report and checkpoint list them.
    public var summary: [String: String] {
        var result: [String: String] = ["kl_weight": "\(klWeight)", "training_images": "\(trainingImages)",
                                        "caption_dropout": "\(captionDropout)", "seed": "\(seed)",
                                        "snr_gamma": snrGamma.map { "\($0)" } ?? "none"]
        for (key, value) in autoencoder.summary { result["vae_\(key)"] = value }
        for (key, value) in diffusion.summary { result["diffusion_\(key)"] = value }
        return result
    }
}
