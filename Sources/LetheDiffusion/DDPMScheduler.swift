import LetheTensor

/// Denoising diffusion probabilistic models (Ho et al. 2020): ancestral sampling with the posterior variance;
/// diffusers' `DDPMScheduler`, also the usual training scheduler (`addNoise`, `velocity`).
public struct DDPMScheduler: TrainingScheduler {
    public var kind: SchedulerKind { .ddpm }
    public let configuration: SchedulerConfiguration
    public let noiseSchedule: NoiseSchedule
    public let predictionType: PredictionType
    public let varianceType: VarianceType
    public let timestepSpacing: TimestepSpacing
    public let stepsOffset: Int
    let clipping: SchedulerSampleClipping

    /// The inference step count, or nil before `setTimesteps` (then the run covers every training timestep).
    public private(set) var numInferenceSteps: Int?
    /// The timesteps as training indices.
    public private(set) var trainingTimesteps: [Int]

    public var timesteps: [Float] { trainingTimesteps.map { Float($0) } }
    public var initNoiseSigma: Float { 1 }
    /// Every step but the last adds posterior noise.
    public var usesNoise: Bool { true }

    /// diffusers draws the variance noise only for timesteps above 0.
    public func drawsNoise(atTimestep timestep: Float) -> Bool { timestep > 0 }

    /// Reads a scheduler_config.json with DDPMScheduler's defaults (linear betas 1e-4 … 0.02, epsilon,
    /// fixed_small variance, clip_sample on, leading spacing).
    public init(configuration: SchedulerConfiguration = SchedulerConfiguration()) throws {
        self.configuration = configuration
        noiseSchedule = try configuration.noiseSchedule(allowsZeroTerminalSNR: true, for: .ddpm)
        predictionType = try configuration.predictionType(for: .ddpm)
        varianceType = try configuration.option(configuration.varianceType, key: .varianceType,
                                                default: VarianceType.fixedSmall)
        timestepSpacing = try configuration.timestepSpacing(default: .leading)
        stepsOffset = try configuration.checkedStepsOffset()
        clipping = try SchedulerSampleClipping(configuration: configuration)
        trainingTimesteps = Array((0..<noiseSchedule.numTrainTimesteps).reversed())
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws {
        let train = noiseSchedule.numTrainTimesteps
        try SchedulerTimestepSpacing.checkStepCount(numInferenceSteps, trainTimesteps: train, kind: kind)
        trainingTimesteps = SchedulerTimestepSpacing.descending(timestepSpacing, count: numInferenceSteps,
                                                                trainTimesteps: train, offset: stepsOffset)
        self.numInferenceSteps = numInferenceSteps
    }

    /// DDPM does not scale its input.
    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor { sample }

    /// The timestep after `timestep` in the run (−1 after the last), or `timestep − 1` before `setTimesteps`.
    func previousTimestep(_ timestep: Int) throws -> Int {
        guard numInferenceSteps != nil else { return timestep - 1 }
        guard let index = trainingTimesteps.firstIndex(of: timestep) else {
            throw SchedulerError.timestepNotInSchedule(scheduler: kind.rawValue, timestep: Float(timestep))
        }
        return index + 1 < trainingTimesteps.count ? trainingTimesteps[index + 1] : -1
    }

    /// ᾱ at `timestep`, or 1 before the first training timestep.
    func alphaCumprod(_ timestep: Int) throws -> Float {
        if timestep < 0 { return 1 }
        guard timestep < noiseSchedule.numTrainTimesteps else {
            throw SchedulerError.timestepOutOfRange(scheduler: kind.rawValue, timestep: Float(timestep),
                                                    numTrainTimesteps: noiseSchedule.numTrainTimesteps)
        }
        return noiseSchedule.alphasCumprod[timestep]
    }

    /// One step of the posterior q(x_{t−1} | x_t, x₀). With a learned variance type the model output carries
    /// twice the sample's channels (noise, then variance); `noise` is needed for every timestep above 0.
    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?) throws
        -> SchedulerStepOutput
    {
        let t = try SchedulerTimestepSpacing.trainingIndex(timestep, trainTimesteps: noiseSchedule.numTrainTimesteps,
                                                           kind: kind)
        let (prediction, predictedVariance) = try splitModelOutput(modelOutput, sample: sample)
        let previous = try previousTimestep(t)
        let alphaProduct = noiseSchedule.alphasCumprod[t]
        let alphaProductPrevious = try alphaCumprod(previous)
        let betaProduct = 1 - alphaProduct
        let betaProductPrevious = 1 - alphaProductPrevious
        let currentAlpha = alphaProduct / alphaProductPrevious
        let currentBeta = 1 - currentAlpha

        let rootAlpha = alphaProduct.squareRoot(), rootBeta = betaProduct.squareRoot()
        var original: Tensor
        switch predictionType {
        case .epsilon:
            original = SchedulerTensorMath.map(sample, prediction) { x, e in (x - rootBeta * e) / rootAlpha }
        case .sample:
            original = prediction
        case .vPrediction:
            original = SchedulerTensorMath.map(sample, prediction) { x, v in rootAlpha * x - rootBeta * v }
        }
        original = clipping.apply(original)

        // μ̃_t(x_t, x₀) of the DDPM paper, equation 7.
        let originalCoefficient = (alphaProductPrevious.squareRoot() * currentBeta) / betaProduct
        let sampleCoefficient = currentAlpha.squareRoot() * betaProductPrevious / betaProduct
        var previousSample = SchedulerTensorMath.map(original, sample) { x0, x in
            originalCoefficient * x0 + sampleCoefficient * x
        }
        if t > 0 {
            guard let noise else { throw SchedulerError.missingNoise(scheduler: kind.rawValue, timestep: timestep) }
            try SchedulerTensorMath.requireShape(noise, sample.shape, argument: "noise")
            previousSample = addVariance(
                to: previousSample, noise: noise, predictedVariance: predictedVariance,
                alphaProduct: alphaProduct, alphaProductPrevious: alphaProductPrevious)
        }
        return SchedulerStepOutput(prevSample: previousSample, predictedOriginalSample: original)
    }

    /// The model's prediction and, for learned variances, its variance channels.
    private func splitModelOutput(_ modelOutput: Tensor, sample: Tensor) throws -> (Tensor, Tensor?) {
        guard varianceType == .learned || varianceType == .learnedRange else {
            try SchedulerTensorMath.requireShape(modelOutput, sample.shape, argument: "modelOutput")
            return (modelOutput, nil)
        }
        guard sample.rank >= 2 else {
            throw SchedulerError.shapeMismatch(argument: "sample (a learned variance needs a channel axis)",
                                               expected: [1] + sample.shape, found: sample.shape)
        }
        var doubled = sample.shape
        doubled[1] *= 2
        try SchedulerTensorMath.requireShape(modelOutput, doubled, argument: "modelOutput (prediction and variance)")
        let channels = sample.shape[1]
        return (modelOutput.narrowed(axis: 1, start: 0, length: channels).contiguous(),
                modelOutput.narrowed(axis: 1, start: channels, length: channels).contiguous())
    }
}
