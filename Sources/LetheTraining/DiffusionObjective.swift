import LetheDiffusion
import LetheModels
import LetheTelemetry
import LetheTensor

/// The denoising loss of diffusers' training examples: noise x₀ to x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, predict ε
/// (epsilon) or v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ (v_prediction) with the UNet, loss = mean squared error over every element
/// (`F.mse_loss(pred, target, reduction="mean")`).
public struct DiffusionObjective: Sendable {
    public let noiseSchedule: NoiseSchedule
    public let predictionType: PredictionType

    public init(noiseSchedule: NoiseSchedule, predictionType: PredictionType) {
        self.noiseSchedule = noiseSchedule
        self.predictionType = predictionType
    }

    /// The objective of a model folder's scheduler, read as diffusers' examples read it
    /// (`DDPMScheduler.from_pretrained(model, subfolder="scheduler")`).
    public init(scheduler: DDPMScheduler) {
        self.init(noiseSchedule: scheduler.noiseSchedule, predictionType: scheduler.predictionType)
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
            return DiffusionObjective.meanSquaredError(prediction, try target(for: batch))
        }
        let inputGradients = Activity.measure(.backward, "UNet backward") {
            unet.backward(predictionGradient, tape: tape, gradients: gradients)
        }
        return (loss, inputGradients.encoderHiddenStates)
    }

    /// mean((a − b)²) in double and its gradient 2(a − b)/n with respect to `a`.
    public static func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> (Double, Tensor) {
        precondition(prediction.shape == target.shape, "prediction \(prediction.shape) and target \(target.shape) differ in shape")
        let difference = prediction - target
        let count = Double(Swift.max(difference.count, 1))
        let loss = difference.sumOfSquares() / count
        difference.scaleInPlace(by: Float(2 / count))
        return (loss, difference)
    }
}
