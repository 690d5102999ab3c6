import LetheDiffusion
import LetheModels
import LetheTensor

/// One batch of the diffusion objective with its randomness drawn: scaled latents x₀, the noise ε, a training
/// timestep per sample and the text conditioning.
public struct DiffusionTrainingBatch: Sendable {
    /// VAE latents already multiplied by the VAE's scaling_factor [B, C, h, w].
    public var latents: Tensor
    public var noise: Tensor
    public var timesteps: [Int]
    /// [B, tokens, cross_attention_dim].
    public var encoderHiddenStates: Tensor

    public init(latents: Tensor, noise: Tensor, timesteps: [Int], encoderHiddenStates: Tensor) {
        self.latents = latents
        self.noise = noise
        self.timesteps = timesteps
        self.encoderHiddenStates = encoderHiddenStates
    }

    /// The batch for images [B, 3, H, W] in [−1, 1] as diffusers' training examples draw it: the VAE's latent
    /// distribution sampled and scaled by scaling_factor, ε ~ N(0, 1) of the latent shape, t uniform in
    /// [0, num_train_timesteps). The draws are counter-based: keyed by `seed`, the global index of each sample
    /// (`sampleIndices`, one per image) and `step`, so a sample gets the same noise whichever rank computes it.
    public static func drawing(images: Tensor, vae: AutoencoderKL, encoderHiddenStates: Tensor,
                               trainTimesteps: Int, seed: UInt64, step: Int, sampleIndices: [Int]) throws -> DiffusionTrainingBatch {
        precondition(images.rank == 4 && sampleIndices.count == images.shape[0], "one sample index per image")
        return drawing(distribution: try vae.encode(images), scalingFactor: Double(vae.scalingFactor),
                       encoderHiddenStates: encoderHiddenStates, trainTimesteps: trainTimesteps, seed: seed, step: step,
                       sampleIndices: sampleIndices)
    }

    /// `drawing(images:…)` from latent distributions already encoded (a training set encoded once).
    public static func drawing(distribution: VAELatentDistribution, scalingFactor: Double, encoderHiddenStates: Tensor,
                               trainTimesteps: Int, seed: UInt64, step: Int, sampleIndices: [Int]) -> DiffusionTrainingBatch {
        precondition(sampleIndices.count == distribution.mean.shape[0], "one sample index per latent")
        let latentShape = Array(distribution.mean.shape.dropFirst())
        let perSample = latentShape.reduce(1, *)
        let posteriorNoise = Tensor(zeros: distribution.mean.shape)
        let noise = Tensor(zeros: distribution.mean.shape)
        var timesteps: [Int] = []
        for (item, index) in sampleIndices.enumerated() {
            let start = UInt64(step) * UInt64(perSample)
            RandomStream(seed: seed, purpose: "vae-posterior", id: UInt64(index))
                .fill(normal: posteriorNoise[index: item], startingAt: start)
            RandomStream(seed: seed, purpose: "diffusion-noise", id: UInt64(index))
                .fill(normal: noise[index: item], startingAt: start)
            let uniform = RandomStream(seed: seed, purpose: "diffusion-timestep", id: UInt64(index)).uniformDouble(at: UInt64(step))
            timesteps.append(Swift.min(trainTimesteps - 1, Int(uniform * Double(trainTimesteps))))
        }
        let latents = distribution.sample(noise: posteriorNoise) * Float(scalingFactor)
        return DiffusionTrainingBatch(latents: latents, noise: noise, timesteps: timesteps,
                                      encoderHiddenStates: encoderHiddenStates)
    }
}
