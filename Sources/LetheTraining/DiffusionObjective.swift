import LetheDiffusion
import LetheModels
import LetheTelemetry
import LetheTensor

/// The denoising loss of diffusers' training examples: noise x₀ to x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, predict ε
/// (epsilon) or v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ (v_prediction) with the UNet, loss = mean squared error over every element
/// (`F.mse_loss(pred, target, reduction="mean")`), or with `snrGamma` the Min-SNR-γ weighting of their
/// `--snr_gamma` (Hang et al. 2023): each sample's mean squared error times min(SNR_t, γ)/SNR_t for epsilon,
/// min(SNR_t, γ)/(SNR_t + 1) for v_prediction, min(SNR_t, γ) for sample, SNR_t = ᾱ_t/(1 − ᾱ_t), then the batch mean.
/// It stops the many nearly noise-free timesteps, whose ε is hard to tell and useless to sampling, from dominating
/// the gradient, so the layout and identity of what is drawn (decided at high noise) are learnt in fewer steps.
public struct DiffusionObjective: Sendable {
    public let noiseSchedule: NoiseSchedule
    public let predictionType: PredictionType
    public let snrGamma: Double?

    public init(noiseSchedule: NoiseSchedule, predictionType: PredictionType, snrGamma: Double? = nil) {
        self.noiseSchedule = noiseSchedule
        self.predictionType = predictionType
        self.snrGamma = snrGamma
    }

    /// The objective of a model folder's scheduler, read as diffusers' examples read it
    /// (`DDPMScheduler.from_pretrained(model, subfolder="scheduler")`).
    public init(scheduler: DDPMScheduler, snrGamma: Double? = nil) {
        self.init(noiseSchedule: scheduler.noiseSchedule, predictionType: scheduler.predictionType, snrGamma: snrGamma)
    }

    /// Each sample's loss weight: 1 without `snrGamma`, else diffusers' Min-SNR-γ weight of its timestep.
    public func lossWeights(timesteps: [Int]) -> [Double] {
        guard let gamma = snrGamma else { return Array(repeating: 1, count: timesteps.count) }
        return timesteps.map { t in
            let alphaBar = Double(noiseSchedule.alphasCumprod[t])
            let snr = alphaBar / (1 - alphaBar)
            let clipped = Swift.min(snr, gamma)
            switch predictionType {
            case .epsilon: return clipped / snr
            case .vPrediction: return clipped / (snr + 1)
            case .sample: return clipped
            }
        }
    }

    /// What the UNet should predict for the batch.
    public func target(for batch: DiffusionTrainingBatch) throws -> Tensor {
        switch predictionType {
        case .epsilon: return batch.noise
        case .vPrediction: return try noiseSchedule.velocity(sample: batch.latents, noise: batch.noise, timesteps: batch.timesteps)
        case .sample: return batch.latents
        }
    }

    /// Forward and backward of the loss through `unet`: accumulates the trained parameters' gradients into
    /// `gradients` and returns the loss and dL/d(encoder hidden states) (for a text encoder behind it).
    public func lossAndGradients(unet: UNet2DConditionModel, batch: DiffusionTrainingBatch, gradients: ParameterGradients,
                                 tape: ActivationTape = ActivationTape()) throws -> (loss: Double, encoderHiddenStatesGradient: Tensor) {
        let (loss, predictionGradient) = try Activity.measure(.forward, "UNet forward") {
            let noisy = try noiseSchedule.addNoise(original: batch.latents, noise: batch.noise, timesteps: batch.timesteps)
            let prediction = try unet.forward(sample: noisy, timesteps: batch.timesteps.map(Float.init),
                                              encoderHiddenStates: batch.encoderHiddenStates, tape: tape)
            return DiffusionObjective.meanSquaredError(prediction, try target(for: batch),
                                                       sampleWeights: lossWeights(timesteps: batch.timesteps))
        }
        let inputGradients = Activity.measure(.backward, "UNet backward") {
            unet.backward(predictionGradient, tape: tape, gradients: gradients, inputGradients: .encoderHiddenStates)
        }
        guard let contextGradient = inputGradients.encoderHiddenStates else {
            preconditionFailure("the UNet backward returned no encoder-hidden-states gradient although asked for one")
        }
        return (loss, contextGradient)
    }

    /// mean((a − b)²) in double and its gradient 2(a − b)/n with respect to `a`; with `sampleWeights` (one per
    /// batch row) the mean of w_b · mean_b((a − b)²) and its gradient 2·w_b(a − b)/n.
    public static func meanSquaredError(_ prediction: Tensor, _ target: Tensor, sampleWeights: [Double]? = nil) -> (Double, Tensor) {
        precondition(prediction.shape == target.shape, "prediction \(prediction.shape) and target \(target.shape) differ in shape")
        let difference = prediction - target
        let count = Double(Swift.max(difference.count, 1))
        guard let weights = sampleWeights, weights.contains(where: { $0 != 1 }) else {
            let loss = difference.sumOfSquares() / count
            difference.scaleInPlace(by: Float(2 / count))
            return (loss, difference)
        }
        precondition(weights.count == prediction.shape[0], "\(weights.count) sample weights for a batch of \(prediction.shape[0])")
        let rowLength = difference.count / Swift.max(weights.count, 1)
        var loss = 0.0
        difference.withUnsafeMutableBufferPointer { values in
            for (row, weight) in weights.enumerated() {
                let slice = UnsafeMutableBufferPointer(rebasing: values[(row * rowLength)..<((row + 1) * rowLength)])
                var squares = 0.0
                for value in slice { squares += Double(value) * Double(value) }
                loss += weight * squares
                let scale = Float(2 * weight / count)
                for index in slice.indices { slice[index] *= scale }
            }
        }
        return (loss / count, difference)
    }
}
