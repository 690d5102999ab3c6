import Foundation
import LetheDiffusion
import LetheTensor
import Testing

@Suite("Scheduler errors")
struct SchedulerErrorTests {
    static func configuration(_ text: String) throws -> SchedulerConfiguration {
        try SchedulerConfiguration(jsonData: Data(text.utf8), source: "scheduler_config.json")
    }

    @Test func unsupportedClassesAreNamed() throws {
        let configuration = try Self.configuration(#"{"_class_name": "LMSDiscreteScheduler"}"#)
        #expect(throws: SchedulerError.unsupportedScheduler(className: "LMSDiscreteScheduler")) {
            try configuration.makeScheduler()
        }
        #expect(throws: SchedulerError.unsupportedScheduler(className: "dpm++")) { try SchedulerKind(name: "dpm++") }
        let error = SchedulerError.unsupportedScheduler(className: "LMSDiscreteScheduler")
        #expect(error.description.contains("LMSDiscreteScheduler"))
        #expect(error.description.contains("EulerDiscreteScheduler"))
        #expect(throws: SchedulerError.self) { try SchedulerConfiguration().makeScheduler() }
    }

    @Test(arguments: [
        (#"{"beta_schedule": "cosine"}"#, "beta_schedule"),
        (#"{"prediction_type": "noise"}"#, "prediction_type"),
        (#"{"timestep_spacing": "even"}"#, "timestep_spacing"),
        (#"{"variance_type": "small"}"#, "variance_type"),
        (#"{"steps_offset": -1}"#, "steps_offset"),
        (#"{"num_train_timesteps": 0}"#, "num_train_timesteps"),
        (#"{"beta_start": -0.1}"#, "beta_start"),
        (#"{"clip_sample_range": 0}"#, "clip_sample_range"),
        (#"{"thresholding": true, "dynamic_thresholding_ratio": 1.5}"#, "dynamic_thresholding_ratio"),
        (#"{"num_train_timesteps": 3, "trained_betas": [0.1, 0.2]}"#, "trained_betas"),
    ])
    func badValuesNameTheirKey(text: String, key: String) throws {
        let configuration = try Self.configuration(text)
        do {
            _ = try DDPMScheduler(configuration: configuration)
            Issue.record("\(text) was accepted")
        } catch let error as SchedulerError {
            guard case .invalidValue(let reported, _, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(reported == key)
            #expect(error.description.contains(key))
        }
    }

    /// Found while writing the config fuzz target: two billion training timesteps took 13 GB and over a minute in
    /// building the tables before anything failed. Every scheduler now refuses the count first.
    @Test(arguments: SchedulerKind.allCases)
    func absurdTrainingTimestepCountsAreRefused(kind: SchedulerKind) throws {
        let configuration = try Self.configuration(#"{"num_train_timesteps": 2000000000}"#)
        do {
            _ = try configuration.makeScheduler(as: kind)
            Issue.record("\(kind): two billion training timesteps were accepted")
        } catch let error as SchedulerError {
            guard case .invalidValue(let key, let value, _) = error else { throw error }
            #expect(key == "num_train_timesteps")
            #expect(value == "2000000000")
        }
        let largest = try Self.configuration(#"{"num_train_timesteps": 100000}"#)
        #expect(try largest.makeScheduler(as: kind).noiseSchedule.numTrainTimesteps == 100_000)
    }

    /// Found by fuzzing: `Data(contentsOf:)` leaked its read buffer on an empty file (a Foundation bug) and would
    /// block forever on a FIFO; the file is now read as a regular file only.
    @Test func emptyAndNonRegularFilesAreNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-scheduler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("scheduler_config.json")
        try Data().write(to: empty)
        let fifo = folder.appendingPathComponent("fifo.json")
        try #require(mkfifo(fifo.path, 0o600) == 0)
        for (url, phrase) in [(empty, "JSON"), (fifo, "FIFO")] {
            do {
                _ = try SchedulerConfiguration(contentsOf: url)
                Issue.record("\(url.lastPathComponent) was read")
            } catch let error as SchedulerError {
                guard case .unreadableConfiguration(let source, let reason) = error else { throw error }
                #expect(source == url.path)
                #expect(reason.contains(phrase))
            }
        }
    }

    @Test func eulerOptionsAreChecked() throws {
        #expect(throws: SchedulerError.self) {
            try EulerDiscreteScheduler(configuration: Self.configuration(#"{"interpolation_type": "cubic"}"#))
        }
        #expect(throws: SchedulerError.self) {
            try EulerDiscreteScheduler(configuration: Self.configuration(#"{"final_sigmas_type": "one"}"#))
        }
        #expect(throws: SchedulerError.self) {
            try EulerDiscreteScheduler(configuration: Self.configuration(
                #"{"use_karras_sigmas": true, "use_exponential_sigmas": true}"#))
        }
        do {
            _ = try EulerDiscreteScheduler(configuration: Self.configuration(#"{"use_beta_sigmas": true}"#))
            Issue.record("beta sigmas were accepted")
        } catch let error as SchedulerError {
            guard case .unsupportedOption(_, let key, _, _) = error else { throw error }
            #expect(key == "use_beta_sigmas")
        }
    }

    @Test func predictionTypesAClassCannotStepAreRefused() throws {
        let sample = try Self.configuration(#"{"prediction_type": "sample"}"#)
        #expect(throws: SchedulerError.self) { try PNDMScheduler(configuration: sample) }
        #expect(throws: SchedulerError.self) { try EulerAncestralDiscreteScheduler(configuration: sample) }
        #expect(try EulerDiscreteScheduler(configuration: sample).predictionType == .sample)
        let legacy = try Self.configuration(#"{"prediction_type": "original_sample"}"#)
        #expect(try EulerDiscreteScheduler(configuration: legacy).predictionType == .sample)
    }

    @Test func malformedFilesAreReported() throws {
        for text in ["{", #"{"steps_offset": "one"}"#, #"{"clip_sample": 3.5}"#, "[1, 2]"] {
            do {
                _ = try Self.configuration(text)
                Issue.record("\(text) was accepted")
            } catch let error as SchedulerError {
                guard case .unreadableConfiguration(let source, _) = error else { throw error }
                #expect(source == "scheduler_config.json")
                #expect(error.description.hasPrefix("Could not read the scheduler configuration"))
            }
        }
        do {
            _ = try Self.configuration(#"{"steps_offset": "one"}"#)
        } catch let error as SchedulerError {
            #expect(error.description.contains("steps_offset"))
        }
        let missing = URL(fileURLWithPath: "/nonexistent/scheduler_config.json")
        #expect(throws: SchedulerError.self) { try SchedulerConfiguration(contentsOf: missing) }
    }

    @Test(arguments: SchedulerKind.allCases)
    func stepCountsAreChecked(kind: SchedulerKind) throws {
        var scheduler = try SchedulerConfiguration().makeScheduler(as: kind)
        for count in [0, -3, 1001] {
            #expect(throws: SchedulerError.self, "\(kind) with \(count) steps") { try scheduler.setTimesteps(count) }
        }
        try scheduler.setTimesteps(1000)
        #expect(scheduler.timesteps.count >= 1000)
    }

    @Test func rungeKuttaWarmUpNeedsFourSteps() throws {
        var scheduler = try PNDMScheduler()
        #expect(throws: SchedulerError.self) { try scheduler.setTimesteps(3) }
        try scheduler.setTimesteps(4)
        // Twelve Runge-Kutta stages, then the one multistep timestep below them.
        #expect(scheduler.prkTimesteps.count == 12)
        #expect(scheduler.timesteps.count == 13)
    }

    @Test func steppingBeforeSetTimestepsIsRefused() throws {
        let sample = Tensor(zeros: [1, 4, 2, 2])
        var ddim = try DDIMScheduler()
        #expect(throws: SchedulerError.timestepsNotSet(scheduler: "DDIMScheduler")) {
            try ddim.step(modelOutput: sample, timestep: 999, sample: sample)
        }
        var pndm = try PNDMScheduler()
        #expect(throws: SchedulerError.timestepsNotSet(scheduler: "PNDMScheduler")) {
            try pndm.step(modelOutput: sample, timestep: 999, sample: sample)
        }
    }

    @Test func timestepsOutsideTheRunAreRefused() throws {
        let sample = Tensor(zeros: [1, 4, 2, 2])
        var euler = try EulerDiscreteScheduler()
        try euler.setTimesteps(10)
        #expect(throws: SchedulerError.timestepNotInSchedule(scheduler: "EulerDiscreteScheduler", timestep: 500)) {
            try euler.scaleModelInput(sample, timestep: 500)
        }
        var ddpm = try DDPMScheduler()
        try ddpm.setTimesteps(10)
        #expect(throws: SchedulerError.timestepNotInSchedule(scheduler: "DDPMScheduler", timestep: 550)) {
            try ddpm.step(modelOutput: sample, timestep: 550, sample: sample, noise: sample)
        }
        #expect(throws: SchedulerError.timestepNotInSchedule(scheduler: "DDPMScheduler", timestep: 900.5)) {
            try ddpm.step(modelOutput: sample, timestep: 900.5, sample: sample, noise: sample)
        }
        var ddim = try DDIMScheduler()
        try ddim.setTimesteps(10)
        #expect(throws: SchedulerError.timestepOutOfRange(scheduler: "DDIMScheduler", timestep: 1000,
                                                          numTrainTimesteps: 1000)) {
            try ddim.step(modelOutput: sample, timestep: 1000, sample: sample)
        }
    }

    @Test func runsEndAfterTheirLastStep() throws {
        let sample = Tensor(zeros: [1, 4, 2, 2])
        var euler = try EulerDiscreteScheduler()
        try euler.setTimesteps(2)
        for timestep in euler.timesteps { _ = try euler.step(modelOutput: sample, timestep: timestep, sample: sample) }
        #expect(throws: SchedulerError.runFinished(scheduler: "EulerDiscreteScheduler", steps: 2)) {
            try euler.step(modelOutput: sample, timestep: 0, sample: sample)
        }
    }

    @Test func missingNoiseIsReported() throws {
        let sample = Tensor(shape: [1, 4, 2, 2], repeating: 0.5)
        var ddpm = try DDPMScheduler()
        try ddpm.setTimesteps(2)
        #expect(throws: SchedulerError.missingNoise(scheduler: "DDPMScheduler", timestep: 500)) {
            try ddpm.step(modelOutput: sample, timestep: 500, sample: sample)
        }
        // The last DDPM step adds no noise and needs none.
        _ = try ddpm.step(modelOutput: sample, timestep: 0, sample: sample)

        var ancestral = try EulerAncestralDiscreteScheduler()
        try ancestral.setTimesteps(2)
        #expect(throws: SchedulerError.self) {
            try ancestral.step(modelOutput: sample, timestep: ancestral.timesteps[0], sample: sample)
        }
        var ddim = try DDIMScheduler(eta: 1)
        try ddim.setTimesteps(2)
        #expect(ddim.usesNoise)
        #expect(throws: SchedulerError.missingNoise(scheduler: "DDIMScheduler", timestep: 500)) {
            try ddim.step(modelOutput: sample, timestep: 500, sample: sample)
        }
    }

    @Test func shapesAreChecked() throws {
        let sample = Tensor(zeros: [1, 4, 2, 2])
        var ddim = try DDIMScheduler()
        try ddim.setTimesteps(2)
        #expect(throws: SchedulerError.shapeMismatch(argument: "modelOutput", expected: [1, 4, 2, 2],
                                                     found: [1, 4, 2, 3])) {
            try ddim.step(modelOutput: Tensor(zeros: [1, 4, 2, 3]), timestep: 500, sample: sample)
        }
        var learned = try DDPMScheduler(configuration: Self.configuration(#"{"variance_type": "learned_range"}"#))
        try learned.setTimesteps(2)
        #expect(throws: SchedulerError.self, "a learned variance needs twice the channels") {
            try learned.step(modelOutput: sample, timestep: 500, sample: sample, noise: sample)
        }
        var ddpm = try DDPMScheduler()
        try ddpm.setTimesteps(2)
        #expect(throws: SchedulerError.shapeMismatch(argument: "noise", expected: [1, 4, 2, 2], found: [4, 2, 2])) {
            try ddpm.step(modelOutput: sample, timestep: 500, sample: sample, noise: Tensor(zeros: [4, 2, 2]))
        }
    }

    @Test func trainingHelpersCheckTheirArguments() throws {
        let ddpm = try DDPMScheduler()
        let batch = Tensor(zeros: [2, 4, 2, 2])
        #expect(throws: SchedulerError.timestepCountMismatch(count: 3, batchSize: 2)) {
            try ddpm.addNoise(original: batch, noise: batch, timesteps: [1, 2, 3])
        }
        #expect(throws: SchedulerError.timestepOutOfRange(scheduler: "NoiseSchedule", timestep: 1000,
                                                          numTrainTimesteps: 1000)) {
            try ddpm.velocity(sample: batch, noise: batch, timesteps: [1, 1000])
        }
        #expect(throws: SchedulerError.self) {
            try ddpm.addNoise(original: batch, noise: Tensor(zeros: [2, 4, 2]), timesteps: [1, 2])
        }
    }
}
