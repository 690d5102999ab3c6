import LetheModels
import LetheTelemetry
import LetheTensor
import LetheTraining

/// The first stage of the world's recipe: an AutoencoderKL trained from scratch on the world's pictures with the
/// loss of a KL-regularised autoencoder without its adversarial and perceptual terms (flat-coloured synthetic
/// pictures need neither): mean squared reconstruction error plus `klWeight` × the KL divergence of the latent
/// distribution from N(0, I), summed over latent elements and averaged over the batch (diffusers'
/// `DiagonalGaussianDistribution.kl()` then `mean()`).
public final class WorldAutoencoderTrainer {
    public let vae: AutoencoderKL
    public let store: WeightStore
    public let trainer: DiffusionTrainer
    public let klWeight: Double
    public let seed: UInt64

    public struct StepReport: Codable, Sendable {
        public let loss: Double
        public let reconstruction: Double
        public let kl: Double
        public let gradientNorm: Double
        public let learningRate: Double
    }

    /// A fresh VAE (of the recipe's architecture unless `configuration` says otherwise) and AdamW over all its
    /// parameters.
    public init(options: WorldTrainingOptions.Stage, klWeight: Double, seed: UInt64,
                configuration: AutoencoderKLConfiguration? = nil) throws {
        let configuration = try configuration ?? WorldModelRecipe.vaeConfiguration()
        (vae, store) = try WeightStore.initialized(seed: seed) { try AutoencoderKL(configuration: configuration, weights: $0) }
        let gradients = try ParameterGradients(store: store, selection: .all, modelName: "the world's VAE")
        trainer = try options.trainer(gradients: gradients)
        self.klWeight = klWeight
        self.seed = seed
    }

    /// One optimizer step on `images` [B, 3, H, W], the local part (`weight` of the global batch) of the samples
    /// `samples`; the posterior noise is keyed by sample and step, so any split across ranks gives the same step.
    @discardableResult
    public func step(images: Tensor, samples: [Int], weight: Double, reduction: GradientReduction = .none) throws -> StepReport {
        let noise = posteriorNoise(samples: samples, shape: try vae.latentShape(ofImage: images))
        let report = try trainer.step(reduction: reduction) { gradients in
            let loss = try lossAndGradients(images: images, noise: noise, gradients: gradients)
            return .batchMean(loss.total, weight: weight, extra: [loss.reconstruction * weight, loss.kl * weight])
        }
        return StepReport(loss: report.loss, reconstruction: report.sums[1], kl: report.sums[2],
                          gradientNorm: report.gradientNorm, learningRate: report.learningRate)
    }

    /// The standard normal draws of the latent samples of `samples` at the current step ([B, latent channels, h, w]).
    public func posteriorNoise(samples: [Int], shape: [Int]) -> Tensor {
        let noise = Tensor(zeros: shape)
        let perSample = noise.count / max(samples.count, 1)
        for (item, index) in samples.enumerated() {
            RandomStream(seed: seed, purpose: "world.vae-posterior", id: UInt64(index))
                .fill(normal: noise[index: item], startingAt: UInt64(trainer.stepsTaken) * UInt64(perSample))
        }
        return noise
    }

    /// The loss on `images` with the latents drawn with `noise` (the batch mean of reconstruction error + klWeight ×
    /// KL, and its two terms), accumulating its gradient into `gradients`.
    public func lossAndGradients(images: Tensor, noise: Tensor, gradients: ParameterGradients) throws
        -> (total: Double, reconstruction: Double, kl: Double) {
        let batch = Double(images.shape[0])
        let encodeTape = ActivationTape(), decodeTape = ActivationTape()
        let (reconstructionLoss, klSum, reconstructionGradient, distribution) = try Activity.measure(.forward, "VAE forward") {
            let distribution = try vae.encode(images, tape: encodeTape)
            let reconstruction = try vae.decode(distribution.sample(noise: noise), tape: decodeTape)
            let (loss, gradient) = DiffusionObjective.meanSquaredError(reconstruction, images)
            return (loss, Self.klSum(distribution), gradient, distribution)
        }
        Activity.measure(.backward, "VAE backward") {
            let latentGradient = vae.decodeBackward(reconstructionGradient, tape: decodeTape, gradients: gradients)
            var gradient = VAELatentDistribution.sampleBackward(latentGradient, noise: noise)
            // d(kl)/d(mean) = mean, d(kl)/d(logvar) = (exp(logvar) − 1)/2, per sample; the loss averages samples.
            let scale = Float(klWeight / batch)
            gradient.mean?.addInPlace(distribution.mean, scaledBy: scale)
            let variance = distribution.standardDeviation * distribution.standardDeviation
            gradient.logVariance = (variance + -1) * (scale / 2)
            _ = vae.encodeBackward(gradient, tape: encodeTape, gradients: gradients)
        }
        let kl = klSum / batch
        return (reconstructionLoss + klWeight * kl, reconstructionLoss, kl)
    }

    /// Σ over the batch and latent elements of ½(μ² + σ² − 1 − log σ²).
    static func klSum(_ distribution: VAELatentDistribution) -> Double {
        let (mean, deviation, logVariance) = (distribution.mean.contiguous(), distribution.standardDeviation.contiguous(),
                                              distribution.logVariance.contiguous())
        var sum = 0.0
        for index in 0..<mean.count {
            let (mu, sigma, logSigma2) = (Double(mean.pointer[index]), Double(deviation.pointer[index]),
                                          Double(logVariance.pointer[index]))
            sum += 0.5 * (mu * mu + sigma * sigma - 1 - logSigma2)
        }
        return sum
    }
}
