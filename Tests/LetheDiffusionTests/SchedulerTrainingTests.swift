import LetheDiffusion
import LetheTensor
import LetheTestSupport
import Testing

@Suite("Scheduler training helpers")
struct SchedulerTrainingTests {
    static func caseNames() throws -> [String] { try SchedulerFixtures.training().cases.map(\.name) }

    @Test(arguments: try caseNames())
    func addNoiseAndVelocityMatchDiffusers(_ name: String) throws {
        let fixture = try SchedulerFixtures.training()
        let recorded = try #require(fixture.cases.first { $0.name == name })
        let scheduler = try recorded.config.makeScheduler(as: SchedulerKind(className: recorded.scheduler))
        let training = try #require(scheduler as? any TrainingScheduler)
        let original = Tensor(shape: fixture.shape, values: fixture.original)
        let noise = Tensor(shape: fixture.shape, values: fixture.noise)

        let noisy = try training.addNoise(original: original, noise: noise, timesteps: recorded.timesteps)
        #expect(noisy.shape == fixture.shape)
        #expect(RelativeError(noisy.toArray(), recorded.noisy).value <= 1e-6)
        if let expected = recorded.velocity {
            let velocity = try training.velocity(sample: original, noise: noise, timesteps: recorded.timesteps)
            #expect(RelativeError(velocity.toArray(), expected).value <= 1e-6)
        }
    }

    @Test func addNoiseByHand() throws {
        var configuration = SchedulerConfiguration()
        configuration.numTrainTimesteps = 2
        configuration.trainedBetas = [0.36, 0.5]  // ᾱ = 0.64, 0.32
        let scheduler = try DDPMScheduler(configuration: configuration)
        let original = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let noise = Tensor(shape: [2, 2], values: [10, 20, 30, 40])
        let noisy = try scheduler.addNoise(original: original, noise: noise, timesteps: [0, 1])
        let a1 = 0.32.squareRoot(), b1 = 0.68.squareRoot()
        let expected = [0.8 * 1 + 0.6 * 10, 0.8 * 2 + 0.6 * 20, a1 * 3 + b1 * 30, a1 * 4 + b1 * 40]
        for (value, reference) in zip(noisy.toArray(), expected) { #expect(abs(Double(value) - reference) < 1e-5) }

        let velocity = try scheduler.velocity(sample: original, noise: noise, timesteps: [0])
        let expectedVelocity = [0.8 * 10 - 0.6 * 1, 0.8 * 20 - 0.6 * 2, 0.8 * 30 - 0.6 * 3, 0.8 * 40 - 0.6 * 4]
        for (value, reference) in zip(velocity.toArray(), expectedVelocity) {
            #expect(abs(Double(value) - reference) < 1e-5)
        }
    }

    /// With the true noise, each scheduler's x₀ estimate recovers the clean sample: the step inverts add_noise.
    @Test(arguments: ["epsilon", "v_prediction"])
    func stepRecoversTheCleanSample(prediction: String) throws {
        var configuration = SchedulerConfiguration()
        configuration.predictionType = prediction
        configuration.clipSample = false
        var ddim = try DDIMScheduler(configuration: configuration)
        try ddim.setTimesteps(10)
        let clean = Tensor(shape: [1, 2, 2, 2], values: [0.5, -0.25, 0.75, 0.1, -0.6, 0.3, 0.2, -0.9])
        let noise = Tensor(shape: [1, 2, 2, 2], values: [1.2, -0.4, 0.3, -1.1, 0.8, 0.05, -0.7, 0.6])
        let t = Int(ddim.timesteps[3])
        let noisy = try ddim.addNoise(original: clean, noise: noise, timesteps: [t])
        let target = prediction == "epsilon" ? noise : try ddim.velocity(sample: clean, noise: noise, timesteps: [t])
        let output = try ddim.step(modelOutput: target, timestep: Float(t), sample: noisy)
        let original = try #require(output.predictedOriginalSample)
        for (value, reference) in zip(original.toArray(), clean.toArray()) { #expect(abs(value - reference) < 1e-5) }
    }

    @Test func eulerAddNoiseUsesSigmas() throws {
        var euler = try EulerDiscreteScheduler()
        try euler.setTimesteps(4)
        let original = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let noise = Tensor(shape: [2, 3], values: [1, 1, 1, -1, -1, -1])
        let itemTimesteps = [euler.timesteps[0], euler.timesteps[2]]
        let noisy = try euler.addNoise(original: original, noise: noise, timesteps: itemTimesteps)
        let first = euler.sigmas[0], third = euler.sigmas[2]
        #expect(noisy.toArray() == [1 + first, 2 + first, 3 + first, 4 - third, 5 - third, 6 - third])
        #expect(throws: SchedulerError.self) {
            try euler.addNoise(original: original, noise: noise, timesteps: [1.5, 2])
        }
    }
}
