import LetheTensor

/// Pseudo numerical methods for diffusion models (Liu et al. 2022): linear multistep (PLMS) on the DDIM
/// transfer, optionally warmed up with Runge-Kutta (PRK) steps; diffusers' `PNDMScheduler`. Stable Diffusion
/// 1.x ships it with `skip_prk_steps`.
public struct PNDMScheduler: TrainingScheduler {
    public var kind: SchedulerKind { .pndm }
    public let configuration: SchedulerConfiguration
    public let noiseSchedule: NoiseSchedule
    public let predictionType: PredictionType
    public let timestepSpacing: TimestepSpacing
    public let stepsOffset: Int
    /// Start with plain multistep steps instead of the Runge-Kutta warm-up.
    public let skipPrkSteps: Bool
    /// ᾱ used after the last timestep: 1 with `set_alpha_to_one`, else ᾱ₀ (the default here).
    public let finalAlphaCumprod: Float

    public private(set) var numInferenceSteps: Int?
    /// The Runge-Kutta timesteps (empty with `skip_prk_steps`), then the multistep ones.
    public private(set) var prkTimesteps: [Int] = []
    public private(set) var plmsTimesteps: [Int] = []

    /// The run so far: model outputs of past steps, the step counter, and the Runge-Kutta partial sums.
    var history: [Tensor] = []
    var counter = 0
    var runningModelOutput: Tensor?
    var currentSample: Tensor?

    public var trainingTimesteps: [Int] { prkTimesteps + plmsTimesteps }
    public var timesteps: [Float] { trainingTimesteps.map { Float($0) } }
    public var initNoiseSigma: Float { 1 }
    public var usesNoise: Bool { false }

    /// Reads a scheduler_config.json with PNDMScheduler's defaults (linear betas, skip_prk_steps off,
    /// set_alpha_to_one off, epsilon, leading spacing).
    public init(configuration: SchedulerConfiguration = SchedulerConfiguration()) throws {
        self.configuration = configuration
        noiseSchedule = try configuration.noiseSchedule(allowsZeroTerminalSNR: false, for: .pndm)
        predictionType = try configuration.predictionType(for: .pndm, supported: [.epsilon, .vPrediction])
        timestepSpacing = try configuration.timestepSpacing(default: .leading)
        stepsOffset = try configuration.checkedStepsOffset()
        skipPrkSteps = configuration.skipPrkSteps ?? false
        finalAlphaCumprod = (configuration.setAlphaToOne ?? false) ? 1 : noiseSchedule.alphasCumprod[0]
    }

    /// The Runge-Kutta warm-up works on the last four timesteps, so it needs at least four.
    static let order = 4

    public mutating func setTimesteps(_ numInferenceSteps: Int) throws {
        let train = noiseSchedule.numTrainTimesteps
        try SchedulerTimestepSpacing.checkStepCount(numInferenceSteps, trainTimesteps: train, kind: kind)
        if !skipPrkSteps && numInferenceSteps < Self.order {
            throw SchedulerError.invalidInferenceStepCount(
                scheduler: kind.rawValue, requested: numInferenceSteps, numTrainTimesteps: train,
                reason: "the Runge-Kutta warm-up needs at least \(Self.order) steps (or set skip_prk_steps)")
        }
        // Ascending here; the run goes through them backwards.
        let ascending: [Int]
        switch timestepSpacing {
        case .linspace:
            ascending = SchedulerTimestepSpacing.linspaceRounded(count: numInferenceSteps, trainTimesteps: train)
        case .leading:
            ascending = SchedulerTimestepSpacing.leading(count: numInferenceSteps, trainTimesteps: train,
                                                         offset: stepsOffset)
        case .trailing:
            ascending = SchedulerTimestepSpacing.trailing(count: numInferenceSteps, trainTimesteps: train).reversed()
        }
        if skipPrkSteps {
            // The second-highest timestep is repeated: the first multistep step needs two model outputs there.
            prkTimesteps = []
            plmsTimesteps = (ascending.dropLast() + ascending.dropLast().suffix(1) + ascending.suffix(1)).reversed()
        } else {
            // Each of the top four timesteps, with the half-way points between them, as the RK4 stages visit them.
            let half = train / numInferenceSteps / 2
            let stages = ascending.suffix(Self.order).flatMap { [$0, $0 + half] }
            let repeated = stages.dropLast().flatMap { [$0, $0] }
            prkTimesteps = Array(repeated.dropFirst().dropLast().reversed())
            plmsTimesteps = ascending.dropLast(3).reversed()
        }
        self.numInferenceSteps = numInferenceSteps
        history = []
        counter = 0
        runningModelOutput = nil
        currentSample = nil
    }

    /// PNDM does not scale its input.
    public func scaleModelInput(_ sample: Tensor, timestep: Float) -> Tensor { sample }

    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor? = nil) throws
        -> SchedulerStepOutput
    {
        guard let numInferenceSteps else { throw SchedulerError.timestepsNotSet(scheduler: kind.rawValue) }
        let train = noiseSchedule.numTrainTimesteps
        let t = try SchedulerTimestepSpacing.trainingIndex(timestep, trainTimesteps: train, kind: kind)
        try SchedulerTensorMath.requireShape(modelOutput, sample.shape, argument: "modelOutput")
        let previousSample: Tensor
        if counter < prkTimesteps.count && !skipPrkSteps {
            previousSample = try rungeKuttaStep(modelOutput: modelOutput, timestep: t, sample: sample,
                                                numInferenceSteps: numInferenceSteps)
        } else {
            previousSample = try multistepStep(modelOutput: modelOutput, timestep: t, sample: sample,
                                               numInferenceSteps: numInferenceSteps)
        }
        return SchedulerStepOutput(prevSample: previousSample)
    }

    /// ᾱ at `timestep`, or the final value before the first training timestep.
    func alphaCumprod(_ timestep: Int) throws -> Float {
        if timestep < 0 { return finalAlphaCumprod }
        guard timestep < noiseSchedule.numTrainTimesteps else {
            throw SchedulerError.timestepOutOfRange(scheduler: kind.rawValue, timestep: Float(timestep),
                                                    numTrainTimesteps: noiseSchedule.numTrainTimesteps)
        }
        return noiseSchedule.alphasCumprod[timestep]
    }

    /// The transfer φ(x_t, ε, t, t−δ) of the paper's equation 9: moves `sample` from `timestep` to `previous`
    /// along the DDIM path given the noise estimate `modelOutput`.
    func previousSample(_ sample: Tensor, timestep: Int, previous: Int, modelOutput: Tensor) throws -> Tensor {
        let alphaProduct = try alphaCumprod(timestep)
        let alphaProductPrevious = try alphaCumprod(previous)
        let betaProduct = 1 - alphaProduct
        let betaProductPrevious = 1 - alphaProductPrevious
        var epsilon = modelOutput
        if predictionType == .vPrediction {
            let rootAlpha = alphaProduct.squareRoot(), rootBeta = betaProduct.squareRoot()
            epsilon = SchedulerTensorMath.map(modelOutput, sample) { v, x in rootAlpha * v + rootBeta * x }
        }
        let sampleCoefficient = (alphaProductPrevious / alphaProduct).squareRoot()
        let denominator = alphaProduct * betaProductPrevious.squareRoot()
            + (alphaProduct * betaProduct * alphaProductPrevious).squareRoot()
        let difference = alphaProductPrevious - alphaProduct
        return SchedulerTensorMath.map(sample, epsilon) { x, e in
            sampleCoefficient * x - difference * e / denominator
        }
    }
}
