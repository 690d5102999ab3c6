import LetheTensor

/// A noise scheduler: picks the inference timesteps and turns each model output into the next, less noisy
/// sample, matching the diffusers class of the same name.
///
/// Use: `setTimesteps(n)`; start from noise scaled by `initNoiseSigma`; then for each `t` in `timesteps`,
/// run the model on `scaleModelInput(sample, timestep: t)` and call `step`. Schedulers keep state between steps
/// (multistep history, the current step index), so a run must go through the timesteps in order.
public protocol Scheduler: Sendable {
    /// Which diffusers class this scheduler reproduces.
    var kind: SchedulerKind { get }
    /// The configuration it was built from (absent keys took this class's defaults).
    var configuration: SchedulerConfiguration { get }
    /// The training noise schedule (betas and ᾱ).
    var noiseSchedule: NoiseSchedule { get }
    /// The timesteps to run, in order; integral for DDPM, DDIM and PNDM, possibly fractional for Euler.
    var timesteps: [Float] { get }
    /// The standard deviation of the initial noise.
    var initNoiseSigma: Float { get }
    /// Whether `step` takes a noise tensor (ancestral sampling, DDPM variance, DDIM with eta > 0).
    var usesNoise: Bool { get }

    /// Whether diffusers' step draws noise from the generator at `timestep`. A pipeline draws exactly these, so
    /// its random stream stays in step with diffusers' (same seed, same images).
    func drawsNoise(atTimestep timestep: Float) -> Bool

    /// Chooses `numInferenceSteps` timesteps (and sigmas) and resets the per-run state.
    mutating func setTimesteps(_ numInferenceSteps: Int) throws

    /// The model input for `sample` at `timestep` (divided by sqrt(σ² + 1) for Euler, unchanged otherwise).
    mutating func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor

    /// One denoising step from `sample` at `timestep` given the model's output there.
    ///
    /// - Parameter noise: standard normal noise shaped like `sample`, required when the step adds noise
    ///   (see `usesNoise`); ignored otherwise. Passing the draws explicitly keeps runs reproducible.
    mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: Tensor?) throws
        -> SchedulerStepOutput
}

/// What one scheduler step produces.
public struct SchedulerStepOutput: Sendable {
    /// The sample at the previous (less noisy) timestep: the next model input.
    public var prevSample: Tensor
    /// The scheduler's estimate of the clean sample x₀, where it computes one (not PNDM).
    public var predictedOriginalSample: Tensor?

    public init(prevSample: Tensor, predictedOriginalSample: Tensor? = nil) {
        self.prevSample = prevSample
        self.predictedOriginalSample = predictedOriginalSample
    }
}

extension Scheduler {
    public func drawsNoise(atTimestep timestep: Float) -> Bool { usesNoise }

    /// One denoising step of a scheduler that adds no noise.
    public mutating func step(modelOutput: Tensor, timestep: Float, sample: Tensor) throws -> SchedulerStepOutput {
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, noise: nil)
    }
}

/// The schedulers whose diffusers classes noise samples with ᾱ (DDPM, DDIM, PNDM): the helpers a training loop
/// uses. (Euler schedulers noise by sigma instead; see their own `addNoise`.)
public protocol TrainingScheduler: Scheduler {}

extension TrainingScheduler {
    /// diffusers' `add_noise`: sqrt(ᾱ_t)·x₀ + sqrt(1 − ᾱ_t)·ε per batch item (see `NoiseSchedule.addNoise`).
    public func addNoise(original: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        try noiseSchedule.addNoise(original: original, noise: noise, timesteps: timesteps)
    }

    /// diffusers' `get_velocity`: the v-prediction target per batch item (see `NoiseSchedule.velocity`).
    public func velocity(sample: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        try noiseSchedule.velocity(sample: sample, noise: noise, timesteps: timesteps)
    }
}
