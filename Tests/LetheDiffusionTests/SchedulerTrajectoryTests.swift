import LetheDiffusion
import LetheTensor
import LetheTestSupport
import Testing

/// Runs every recorded diffusers sampling loop step by step and compares each output.
@Suite("Scheduler trajectories match diffusers")
struct SchedulerTrajectoryTests {
    /// Per-output tolerance: max |swift − diffusers| / max |diffusers| over the tensor.
    static let tolerance = 1e-4

    static func caseNames() throws -> [String] { try SchedulerFixtures.trajectories().cases.map(\.name) }

    /// Timesteps reached through log σ (Karras, exponential and continuous-time) come from float32 logarithms
    /// whose last bit differs between NumPy/PyTorch and the C library; every other timestep must match exactly.
    static func hasLogDerivedTimesteps(_ fixture: TrajectoryFixture.Case) -> Bool {
        fixture.config.useKarrasSigmas == true || fixture.config.useExponentialSigmas == true
            || fixture.config.timestepType == "continuous"
    }

    @Test(arguments: try caseNames())
    func trajectoryMatchesDiffusers(_ name: String) throws {
        let fixture = try SchedulerFixtures.trajectories()
        let recorded = try #require(fixture.cases.first { $0.name == name })
        let kind = try SchedulerKind(className: recorded.scheduler)
        var scheduler = try recorded.config.makeScheduler(as: kind)
        if var ddim = scheduler as? DDIMScheduler {
            ddim.eta = recorded.eta ?? 0
            ddim.useClippedModelOutput = recorded.useClippedModelOutput ?? false
            scheduler = ddim
        }
        try scheduler.setTimesteps(recorded.numInferenceSteps)

        if Self.hasLogDerivedTimesteps(recorded) {
            #expect(RelativeError(scheduler.timesteps, recorded.timesteps).value <= 1e-6, "timesteps of \(name)")
        } else {
            #expect(scheduler.timesteps == recorded.timesteps, "timesteps of \(name)")
        }
        if let sigmas = recorded.sigmas {
            let actual = (scheduler as? EulerDiscreteScheduler)?.sigmas
                ?? (scheduler as? EulerAncestralDiscreteScheduler)?.sigmas ?? []
            #expect(actual.count == sigmas.count)
            if actual.count == sigmas.count {
                #expect(RelativeError(actual, sigmas).value <= 1e-6, "sigmas of \(name)")
            }
        }
        #expect(RelativeError(scheduler.initNoiseSigma, recorded.initNoiseSigma).value <= 1e-6)
        #expect(recorded.steps.count == recorded.timesteps.count)

        var sample = Tensor(shape: fixture.sampleShape, values: fixture.sample)
        if let scaledInitial = recorded.scaledInitialSample {
            sample = sample * scheduler.initNoiseSigma
            #expect(RelativeError(sample.toArray(), scaledInitial).value <= Self.tolerance)
        }
        let learned = recorded.modelOutputPool == "learned_variance"
        for (index, step) in recorded.steps.enumerated() {
            let timestep = scheduler.timesteps[index]
            let context = "\(name), step \(index) at t = \(timestep)"
            let input = try scheduler.scaleModelInput(sample, timestep: timestep)
            if let expected = step.scaledInput {
                #expect(RelativeError(input.toArray(), expected).value <= Self.tolerance, "scaled input, \(context)")
            } else if !(kind == .eulerDiscrete || kind == .eulerAncestralDiscrete) {
                #expect(input.toArray() == sample.toArray(), "\(kind) must not scale its input")
            }
            let modelOutput = learned
                ? Tensor(shape: fixture.learnedVarianceShape,
                         values: fixture.learnedVarianceModelOutputs[step.modelOutputIndex])
                : Tensor(shape: fixture.sampleShape, values: fixture.modelOutputs[step.modelOutputIndex])
            let noiseValues = step.noise ?? step.noiseIndex.map { fixture.varianceNoises[$0] }
            let noise = noiseValues.map { Tensor(shape: fixture.sampleShape, values: $0) }
            let output = try scheduler.step(modelOutput: modelOutput, timestep: timestep, sample: sample, noise: noise)

            let error = RelativeError(output.prevSample.toArray(), step.prevSample).value
            #expect(error <= Self.tolerance, "prev_sample, \(context): relative error \(error)")
            if let expected = step.predOriginalSample {
                let original = try #require(output.predictedOriginalSample, "\(context) gave no x₀ estimate")
                let originalError = RelativeError(original.toArray(), expected).value
                #expect(originalError <= Self.tolerance, "pred_original_sample, \(context): \(originalError)")
            } else {
                #expect(output.predictedOriginalSample == nil)
            }
            sample = output.prevSample
        }
    }
}
