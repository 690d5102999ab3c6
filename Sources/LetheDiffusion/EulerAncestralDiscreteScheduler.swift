import LetheTensor

/// Euler steps that overshoot to a lower sigma and add fresh noise back (ancestral sampling, as in k-diffusion's
/// `sample_euler_ancestral`); diffusers' `EulerAncestralDiscreteScheduler`.
public struct EulerAncestralDiscreteScheduler: Scheduler {
    public var kind: SchedulerKind { .eulerAncestralDiscrete }
    public let configuration: SchedulerConfiguration
    public let noiseSchedule: NoiseSchedule
    public let predictionType: PredictionType
    public let timestepSpacing: TimestepSpacing
    public let stepsOffset: Int

    public private(set) var numInferenceSteps: Int?
    public private(set) var timesteps: [Float]
    /// One sigma per timestep, then zero.
    public private(set) var sigmas: [Float]
    /// The position in the run, fixed by the first `scaleModelInput` or `step` call.
    public private(set) var stepIndex: Int?

    public var initNoiseSigma: Float { EulerSchedulerSupport.initNoiseSigma(sigmas: sigmas, spacing: timestepSpacing) }
    /// Every step adds noise (the last one with weight zero, so it may be omitted there).
    public var usesNoise: Bool { true }

    /// Reads a scheduler_config.json with EulerAncestralDiscreteScheduler's defaults (linear betas, epsilon,
    /// linspace spacing).
    public init(configuration: SchedulerConfiguration = SchedulerConfiguration()) throws {
        let kind = SchedulerKind.eulerAncestralDiscrete
        self.configuration = configuration
        noiseSchedule = try EulerSchedulerSupport.noiseSchedule(configuration, kind: kind)
        predictionType = try configuration.predictionType(for: kind, supported: [.epsilon, .vPrediction])
        timestepSpacing = try configuration.timestepSpacing(default: .linspace)
        stepsOffset = try configuration.checkedStepsOffset()
        let count = noiseSchedule.numTrainTimesteps
        sigmas = EulerSchedulerSupport.trainingSigmas(noiseSchedule).reversed() + [0]
        timesteps = SchedulerNumerics.numpyLinspace(0, Double(count - 1), count: count).reversed().map { Float($0) }
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws {
        let train = noiseSchedule.numTrainTimesteps
        try SchedulerTimestepSpacing.checkStepCount(numInferenceSteps, trainTimesteps: train, kind: kind)
        timesteps = EulerSchedulerSupport.timesteps(spacing: timestepSpacing, count: numInferenceSteps,
                                                    trainTimesteps: train, offset: stepsOffset)
        let training = EulerSchedulerSupport.trainingSigmas(noiseSchedule)
        sigmas = timesteps.map { Float(SchedulerNumerics.interpolate(Double($0), table: training)) } + [0]
        self.numInferenceSteps = numInferenceSteps
        stepIndex = nil
    }

    /// sample / sqrt(σ² + 1) at `timestep`'s sigma.
    public mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        let index = try currentStepIndex(for: timestep)
        return EulerSchedulerSupport.scaled(sample, sigma: sigmas[index])
    }

    /// An Euler step down to σ_down, then noise of standard deviation σ_up, where σ_down² + σ_up² = σ_next²
    /// and σ_up² = σ_next²(σ² − σ_next²)/σ². `noise` (standard normal, shaped like `sample`) is needed
    /// whenever σ_up > 0, that is on every step but the last.
    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?) throws
        -> SchedulerStepOutput
    {
        try SchedulerTensorMath.requireShape(modelOutput, sample.shape, argument: "modelOutput")
        let index = try currentStepIndex(for: timestep)
        guard index + 1 < sigmas.count else {
            throw SchedulerError.runFinished(scheduler: kind.rawValue, steps: sigmas.count - 1)
        }
        let sigma = sigmas[index], sigmaNext = sigmas[index + 1]
        let original = EulerSchedulerSupport.predictedOriginal(modelOutput, sample: sample, sigma: sigma,
                                                               prediction: predictionType)
        let sigmaUp = (sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext) / (sigma * sigma)).squareRoot()
        let sigmaDown = (sigmaNext * sigmaNext - sigmaUp * sigmaUp).squareRoot()
        let stepSize = sigmaDown - sigma
        var previousSample = SchedulerTensorMath.map(sample, original) { x, x0 in x + (x - x0) / sigma * stepSize }
        if let noise {
            try SchedulerTensorMath.requireShape(noise, sample.shape, argument: "noise")
            previousSample = SchedulerTensorMath.map(previousSample, noise) { x, n in x + n * sigmaUp }
        } else if sigmaUp != 0 {
            throw SchedulerError.missingNoise(scheduler: kind.rawValue, timestep: timestep)
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
