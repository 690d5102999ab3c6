import LetheTensor

/// Denoising diffusion implicit models (Song et al. 2020): deterministic for `eta` = 0, DDPM-like noise for
/// `eta` = 1; diffusers' `DDIMScheduler` (Stable Diffusion 2.x ships it).
public struct DDIMScheduler: TrainingScheduler {
    public var kind: SchedulerKind { .ddim }
    public let configuration: SchedulerConfiguration
    public let noiseSchedule: NoiseSchedule
    public let predictionType: PredictionType
    public let timestepSpacing: TimestepSpacing
    public let stepsOffset: Int
    /// ᾱ used after the last timestep: 1 with `set_alpha_to_one`, else ᾱ₀.
    public let finalAlphaCumprod: Float
    let clipping: SchedulerSampleClipping

    /// The weight of the added noise (diffusers' `step(eta:)`): 0 is deterministic DDIM.
    public var eta: Float = 0
    /// Recompute ε from the clipped x₀ estimate (diffusers' `use_clipped_model_output`).
    public var useClippedModelOutput = false

    public private(set) var numInferenceSteps: Int?
    /// The timesteps as training indices.
    public private(set) var trainingTimesteps: [Int]

    public var timesteps: [Float] { trainingTimesteps.map { Float($0) } }
    public var initNoiseSigma: Float { 1 }
    public var usesNoise: Bool { eta > 0 }

    /// Reads a scheduler_config.json with DDIMScheduler's defaults (linear betas, clip_sample on,
    /// set_alpha_to_one on, epsilon, leading spacing).
    public init(configuration: SchedulerConfiguration = SchedulerConfiguration(), eta: Float = 0,
                useClippedModelOutput: Bool = false) throws {
        self.configuration = configuration
        noiseSchedule = try configuration.noiseSchedule(allowsZeroTerminalSNR: true, for: .ddim)
        predictionType = try configuration.predictionType(for: .ddim)
        timestepSpacing = try configuration.timestepSpacing(default: .leading)
        stepsOffset = try configuration.checkedStepsOffset()
        clipping = try SchedulerSampleClipping(configuration: configuration)
        finalAlphaCumprod = (configuration.setAlphaToOne ?? true) ? 1 : noiseSchedule.alphasCumprod[0]
        trainingTimesteps = Array((0..<noiseSchedule.numTrainTimesteps).reversed())
        self.eta = eta
        self.useClippedModelOutput = useClippedModelOutput
    }

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws {
        let train = noiseSchedule.numTrainTimesteps
        try SchedulerTimestepSpacing.checkStepCount(numInferenceSteps, trainTimesteps: train, kind: kind)
        trainingTimesteps = SchedulerTimestepSpacing.descending(timestepSpacing, count: numInferenceSteps,
                                                                trainTimesteps: train, offset: stepsOffset)
        self.numInferenceSteps = numInferenceSteps
    }

    /// DDIM does not scale its input.
    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor { sample }

    /// Equation 12 of the DDIM paper. The previous timestep is `timestep − ⌊train / steps⌋` whatever the
    /// spacing, as in diffusers. `noise` is needed when `eta` > 0.
    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?) throws
        -> SchedulerStepOutput
    {
        guard let numInferenceSteps else { throw SchedulerError.timestepsNotSet(scheduler: kind.rawValue) }
        let train = noiseSchedule.numTrainTimesteps
        let t = try SchedulerTimestepSpacing.trainingIndex(timestep, trainTimesteps: train, kind: kind)
        try SchedulerTensorMath.requireShape(modelOutput, sample.shape, argument: "modelOutput")
        let previous = t - train / numInferenceSteps
        let alphaProduct = noiseSchedule.alphasCumprod[t]
        let alphaProductPrevious = previous >= 0 ? noiseSchedule.alphasCumprod[previous] : finalAlphaCumprod
        let betaProduct = 1 - alphaProduct
        let rootAlpha = alphaProduct.squareRoot(), rootBeta = betaProduct.squareRoot()

        var original: Tensor
        var epsilon: Tensor
        switch predictionType {
        case .epsilon:
            original = SchedulerTensorMath.map(sample, modelOutput) { x, e in (x - rootBeta * e) / rootAlpha }
            epsilon = modelOutput
        case .sample:
            original = modelOutput
            epsilon = SchedulerTensorMath.map(sample, original) { x, x0 in (x - rootAlpha * x0) / rootBeta }
        case .vPrediction:
            original = SchedulerTensorMath.map(sample, modelOutput) { x, v in rootAlpha * x - rootBeta * v }
            epsilon = SchedulerTensorMath.map(sample, modelOutput) { x, v in rootAlpha * v + rootBeta * x }
        }
        original = clipping.apply(original)

        // σ_t(η) of equation 16.
        let betaProductPrevious = 1 - alphaProductPrevious
        let variance = (betaProductPrevious / betaProduct) * (1 - alphaProduct / alphaProductPrevious)
        let deviation = eta * variance.squareRoot()
        if useClippedModelOutput {
            epsilon = SchedulerTensorMath.map(sample, original) { x, x0 in (x - rootAlpha * x0) / rootBeta }
        }
        let directionCoefficient = (1 - alphaProductPrevious - deviation * deviation).squareRoot()
        let rootAlphaPrevious = alphaProductPrevious.squareRoot()
        var previousSample = SchedulerTensorMath.map(original, epsilon) { x0, e in
            rootAlphaPrevious * x0 + directionCoefficient * e
        }
        if eta > 0 {
            guard let noise else { throw SchedulerError.missingNoise(scheduler: kind.rawValue, timestep: timestep) }
            try SchedulerTensorMath.requireShape(noise, sample.shape, argument: "noise")
            previousSample = SchedulerTensorMath.map(previousSample, noise) { x, n in x + deviation * n }
        }
        return SchedulerStepOutput(prevSample: previousSample, predictedOriginalSample: original)
    }
}
