import Foundation
import LetheDiffusion
import LetheTensor
import LetheTestSupport
import Testing

// Reference values written by Scripts/reference/make_scheduler_fixtures.py from diffusers, and how to compare.

/// Loads a JSON fixture from Fixtures/schedulers.
enum SchedulerFixtures {
    static func load<Value: Decodable>(_ name: String, as type: Value.Type) throws -> Value {
        let url = try Fixture.resource("schedulers/\(name)", in: .module)
        return try JSONDecoder().decode(Value.self, from: Data(contentsOf: url))
    }

    static func trajectories() throws -> TrajectoryFixture { try load("trajectories.json", as: TrajectoryFixture.self) }
    static func timesteps() throws -> TimestepFixture { try load("timesteps.json", as: TimestepFixture.self) }
    static func noiseSchedules() throws -> NoiseScheduleFixture {
        try load("noise_schedules.json", as: NoiseScheduleFixture.self)
    }
    static func training() throws -> TrainingFixture { try load("training.json", as: TrainingFixture.self) }
}

struct TrajectoryFixture: Decodable {
    struct Step: Decodable {
        let modelOutputIndex: Int
        let noiseIndex: Int?
        let noise: [Float]?
        let scaledInput: [Float]?
        let prevSample: [Float]
        let predOriginalSample: [Float]?

        enum CodingKeys: String, CodingKey {
            case modelOutputIndex = "model_output_index", noiseIndex = "noise_index", noise
            case scaledInput = "scaled_input", prevSample = "prev_sample"
            case predOriginalSample = "pred_original_sample"
        }
    }

    struct Case: Decodable {
        let name: String
        let scheduler: String
        let config: SchedulerConfiguration
        let numInferenceSteps: Int
        let timesteps: [Float]
        let initNoiseSigma: Float
        let modelOutputPool: String
        let sigmas: [Float]?
        let eta: Float?
        let useClippedModelOutput: Bool?
        let scaledInitialSample: [Float]?
        let steps: [Step]

        enum CodingKeys: String, CodingKey {
            case name, scheduler, config, timesteps, sigmas, eta, steps
            case numInferenceSteps = "num_inference_steps", initNoiseSigma = "init_noise_sigma"
            case modelOutputPool = "model_output_pool", useClippedModelOutput = "use_clipped_model_output"
            case scaledInitialSample = "scaled_initial_sample"
        }
    }

    let diffusersVersion: String
    let sampleShape: [Int]
    let learnedVarianceShape: [Int]
    let sample: [Float]
    let modelOutputs: [[Float]]
    let learnedVarianceModelOutputs: [[Float]]
    let varianceNoises: [[Float]]
    let cases: [Case]

    enum CodingKeys: String, CodingKey {
        case diffusersVersion = "diffusers_version", sampleShape = "sample_shape"
        case learnedVarianceShape = "learned_variance_shape", sample, modelOutputs = "model_outputs"
        case learnedVarianceModelOutputs = "learned_variance_model_outputs", varianceNoises = "variance_noises"
        case cases
    }
}

struct TimestepFixture: Decodable {
    struct Run: Decodable {
        let numInferenceSteps: Int
        let fails: Bool?
        let timesteps: [Float]?
        let sigmas: [Float]?
        let initNoiseSigma: Float?

        enum CodingKeys: String, CodingKey {
            case numInferenceSteps = "num_inference_steps", fails, timesteps, sigmas
            case initNoiseSigma = "init_noise_sigma"
        }
    }

    struct Case: Decodable {
        let name: String
        let scheduler: String
        let config: SchedulerConfiguration
        let runs: [Run]
    }

    let diffusersVersion: String
    let cases: [Case]

    enum CodingKeys: String, CodingKey {
        case diffusersVersion = "diffusers_version", cases
    }
}

struct NoiseScheduleFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let scheduler: String
        let config: SchedulerConfiguration
        let betas: [Float]
        let alphasCumprod: [Float]

        enum CodingKeys: String, CodingKey {
            case name, scheduler, config, betas, alphasCumprod = "alphas_cumprod"
        }
    }

    let diffusersVersion: String
    let cases: [Case]

    enum CodingKeys: String, CodingKey {
        case diffusersVersion = "diffusers_version", cases
    }
}

struct TrainingFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let scheduler: String
        let config: SchedulerConfiguration
        let timesteps: [Int]
        let noisy: [Float]
        let velocity: [Float]?
    }

    let diffusersVersion: String
    let shape: [Int]
    let original: [Float]
    let noise: [Float]
    let cases: [Case]

    enum CodingKeys: String, CodingKey {
        case diffusersVersion = "diffusers_version", shape, original, noise, cases
    }
}

@Suite("Scheduler fixtures")
struct SchedulerFixturesTests {
    @Test func fixturesComeFromTheExpectedDiffusersRelease() throws {
        #expect(try SchedulerFixtures.trajectories().diffusersVersion == "0.42.1")
        #expect(try SchedulerFixtures.timesteps().diffusersVersion == "0.42.1")
        #expect(try SchedulerFixtures.noiseSchedules().diffusersVersion == "0.42.1")
        #expect(try SchedulerFixtures.training().diffusersVersion == "0.42.1")
    }

    @Test func sharedInputsHaveTheirShapes() throws {
        let fixture = try SchedulerFixtures.trajectories()
        let count = fixture.sampleShape.reduce(1, *)
        #expect(fixture.sampleShape == [1, 4, 4, 4])
        #expect(fixture.sample.count == count)
        #expect(fixture.modelOutputs.allSatisfy { $0.count == count })
        #expect(fixture.varianceNoises.allSatisfy { $0.count == count })
        #expect(fixture.learnedVarianceModelOutputs.allSatisfy { $0.count == 2 * count })
        #expect(fixture.cases.count >= 30)
    }
}
