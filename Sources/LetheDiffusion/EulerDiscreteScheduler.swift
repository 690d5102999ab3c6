import Foundation
import LetheTensor

/// Euler's method on the probability-flow ODE in sigma space (Karras et al. 2022, algorithm 2 without churn);
/// diffusers' `EulerDiscreteScheduler`.
public struct EulerDiscreteScheduler: Scheduler {
    public var kind: SchedulerKind { .eulerDiscrete }
    public let configuration: SchedulerConfiguration
    public let noiseSchedule: NoiseSchedule
    public let predictionType: PredictionType
    public let timestepSpacing: TimestepSpacing
    public let stepsOffset: Int
    public let interpolation: SigmaInterpolation
    public let useKarrasSigmas: Bool
    public let useExponentialSigmas: Bool
    /// Bounds for Karras and exponential sigmas; nil takes the schedule's own.
    public let sigmaMin: Double?
    public let sigmaMax: Double?
    public let timestepType: TimestepType
    public let finalSigmasType: FinalSigmasType

    public private(set) var numInferenceSteps: Int?
    public private(set) var timesteps: [Float]
    /// One sigma per timestep, then the final one.
    public private(set) var sigmas: [Float]
    /// The position in the run, fixed by the first `scaleModelInput` or `step` call.
    public private(set) var stepIndex: Int?

    public var initNoiseSigma: Float { EulerSchedulerSupport.initNoiseSigma(sigmas: sigmas, spacing: timestepSpacing) }
    public var usesNoise: Bool { false }

    /// Reads a scheduler_config.json with EulerDiscreteScheduler's defaults (linear betas, epsilon, linear
    /// interpolation, linspace spacing, discrete timesteps, final sigma zero).
    public init(configuration: SchedulerConfiguration = SchedulerConfiguration()) throws {
        let kind = SchedulerKind.eulerDiscrete
        self.configuration = configuration
        noiseSchedule = try EulerSchedulerSupport.noiseSchedule(configuration, kind: kind)
        predictionType = try configuration.predictionType(for: kind)
        timestepSpacing = try configuration.timestepSpacing(default: .linspace)
        stepsOffset = try configuration.checkedStepsOffset()
        interpolation = try configuration.option(configuration.interpolationType, key: .interpolationType,
                                                 default: SigmaInterpolation.linear)
        timestepType = try configuration.option(configuration.timestepType, key: .timestepType,
                                                default: TimestepType.discrete)
        finalSigmasType = try configuration.option(configuration.finalSigmasType, key: .finalSigmasType,
                                                   default: FinalSigmasType.zero)
        useKarrasSigmas = configuration.useKarrasSigmas ?? false
        useExponentialSigmas = configuration.useExponentialSigmas ?? false
        if configuration.useBetaSigmas ?? false {
            throw SchedulerError.unsupportedOption(
                scheduler: kind.rawValue, key: SchedulerConfiguration.CodingKeys.useBetaSigmas.rawValue,
                value: "true", reason: "beta-distributed sigmas are not implemented")
        }
        if useKarrasSigmas && useExponentialSigmas {
            throw SchedulerError.invalidValue(
                key: "use_karras_sigmas, use_exponential_sigmas", value: "both true",
                expected: "at most one of them set")
        }
        sigmaMin = try configuration.sigmaMin.map { try configuration.positive($0, key: .sigmaMin, default: 1) }
        sigmaMax = try configuration.sigmaMax.map { try configuration.positive($0, key: .sigmaMax, default: 1) }

        // Before setTimesteps: every training timestep, as diffusers starts.
        let training = EulerSchedulerSupport.trainingSigmas(noiseSchedule)
        let count = noiseSchedule.numTrainTimesteps
        sigmas = training.reversed() + [0]
        if timestepType == .continuous && predictionType == .vPrediction {
            timesteps = sigmas.dropLast().map(Self.continuousTimestep)
        } else {
            timesteps = SchedulerNumerics.numpyLinspace(0, Double(count - 1), count: count).reversed().map {
                Float($0)
            }
        }
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws {
        let train = noiseSchedule.numTrainTimesteps
        try SchedulerTimestepSpacing.checkStepCount(numInferenceSteps, trainTimesteps: train, kind: kind)
        let spaced = EulerSchedulerSupport.timesteps(spacing: timestepSpacing, count: numInferenceSteps,
                                                     trainTimesteps: train, offset: stepsOffset)
        let (newSigmas, sigmaTimesteps) = inferenceSigmas(timesteps: spaced, count: numInferenceSteps)
        sigmas = newSigmas
        if timestepType == .continuous && predictionType == .vPrediction {
            timesteps = sigmas.dropLast().map(Self.continuousTimestep)
        } else {
            timesteps = sigmaTimesteps
        }
        self.numInferenceSteps = numInferenceSteps
        stepIndex = nil
    }

    /// 0.25·log σ, the timestep of continuous-time v-prediction models.
    static func continuousTimestep(_ sigma: Float) -> Float {
        0.25 * Foundation.log(sigma)
    }

    /// sample / sqrt(σ² + 1) at `timestep`'s sigma.
    public mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        let index = try currentStepIndex(for: timestep)
        return EulerSchedulerSupport.scaled(sample, sigma: sigmas[index])
    }

    /// One Euler step from σ_i to σ_{i+1} along d = (x − x₀) / σ.
    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor? = nil) throws
        -> SchedulerStepOutput
    {
        try SchedulerTensorMath.requireShape(modelOutput, sample.shape, argument: "modelOutput")
        let index = try currentStepIndex(for: timestep)
        guard index + 1 < sigmas.count else {
            throw SchedulerError.runFinished(scheduler: kind.rawValue, steps: sigmas.count - 1)
        }
        let sigma = sigmas[index]
        let original = EulerSchedulerSupport.predictedOriginal(modelOutput, sample: sample, sigma: sigma,
                                                               prediction: predictionType)
        let stepSize = sigmas[index + 1] - sigma
        let previousSample = SchedulerTensorMath.map(sample, original) { x, x0 in
            x + (x - x0) / sigma * stepSize
        }
        stepIndex = index + 1
        return SchedulerStepOutput(prevSample: previousSample, predictedOriginalSample: original)
    }

    /// diffusers' Euler `add_noise`: x₀ + σ·ε, σ of each item's timestep (one of `timesteps`).
    public func addNoise(original: Tensor, noise: Tensor, timesteps itemTimesteps: [Float]) throws -> Tensor {
        try EulerSchedulerSupport.addNoise(original: original, noise: noise, timesteps: itemTimesteps,
                                           scheduleTimesteps: timesteps, sigmas: sigmas, kind: kind)
    }

    private mutating func currentStepIndex(for timestep: Float) throws -> Int {
        if let stepIndex { return stepIndex }
        let index = try EulerSchedulerSupport.stepIndex(of: timestep, in: timesteps, kind: kind)
        stepIndex = index
        return index
    }
}
