import Foundation
import LetheDiffusion
import Testing

@Suite("Scheduler configuration")
struct SchedulerConfigurationTests {
    /// scheduler/scheduler_config.json of Stable Diffusion 1.5 (runwayml/stable-diffusion-v1-5).
    static let sd15 = """
        {
          "_class_name": "PNDMScheduler",
          "_diffusers_version": "0.6.0",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "num_train_timesteps": 1000,
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "trained_betas": null,
          "clip_sample": false
        }
        """

    /// scheduler/scheduler_config.json of Stable Diffusion 2.1 (stabilityai/stable-diffusion-2-1).
    static let sd21 = """
        {
          "_class_name": "DDIMScheduler",
          "_diffusers_version": "0.8.0",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "clip_sample": false,
          "num_train_timesteps": 1000,
          "prediction_type": "v_prediction",
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "trained_betas": null
        }
        """

    static func configuration(_ text: String) throws -> SchedulerConfiguration {
        try SchedulerConfiguration(jsonData: Data(text.utf8), source: "test")
    }

    @Test func stableDiffusionOneFiveParses() throws {
        let configuration = try Self.configuration(Self.sd15)
        #expect(configuration.className == "PNDMScheduler")
        #expect(configuration.betaStart == 0.00085)
        #expect(configuration.betaEnd == 0.012)
        #expect(configuration.betaSchedule == "scaled_linear")
        #expect(configuration.numTrainTimesteps == 1000)
        #expect(configuration.setAlphaToOne == false)
        #expect(configuration.skipPrkSteps == true)
        #expect(configuration.stepsOffset == 1)
        #expect(configuration.trainedBetas == nil)
        #expect(configuration.clipSample == false)
        #expect(configuration.predictionType == nil)

        let scheduler = try #require(try configuration.makeScheduler() as? PNDMScheduler)
        #expect(scheduler.kind == .pndm)
        #expect(scheduler.skipPrkSteps)
        #expect(scheduler.predictionType == .epsilon)
        #expect(scheduler.timestepSpacing == .leading)
        #expect(scheduler.stepsOffset == 1)
        // set_alpha_to_one false: the step after the last timestep uses ᾱ₀.
        #expect(scheduler.finalAlphaCumprod == scheduler.noiseSchedule.alphasCumprod[0])
        #expect(scheduler.initNoiseSigma == 1)
        #expect(!scheduler.usesNoise)
    }

    @Test func stableDiffusionTwoOneParses() throws {
        let configuration = try Self.configuration(Self.sd21)
        let scheduler = try #require(try configuration.makeScheduler() as? DDIMScheduler)
        #expect(scheduler.predictionType == .vPrediction)
        #expect(scheduler.timestepSpacing == .leading)
        #expect(scheduler.stepsOffset == 1)
        #expect(scheduler.finalAlphaCumprod == scheduler.noiseSchedule.alphasCumprod[0])
        #expect(scheduler.eta == 0)
        #expect(!scheduler.usesNoise)
    }

    @Test func absentKeysTakeTheDefaultsOfTheClassBuilt() throws {
        let configuration = try Self.configuration(Self.sd15)
        // PNDM's spacing default is leading, Euler's linspace; the file names neither.
        let euler = try #require(try configuration.makeScheduler(as: .eulerDiscrete) as? EulerDiscreteScheduler)
        #expect(euler.timestepSpacing == .linspace)
        #expect(euler.stepsOffset == 1)
        #expect(euler.predictionType == .epsilon)
        #expect(euler.interpolation == .linear)
        #expect(!euler.useKarrasSigmas)
        #expect(euler.timestepType == .discrete)
        #expect(euler.finalSigmasType == .zero)
        // The betas carry over from the file.
        #expect(euler.noiseSchedule == (try configuration.makeScheduler()).noiseSchedule)

        // DDIM's set_alpha_to_one default is true, but the file says false; its clip_sample default is true,
        // but the file says false.
        let ddim = try #require(try configuration.makeScheduler(as: .ddim) as? DDIMScheduler)
        #expect(ddim.finalAlphaCumprod != 1)
        let empty = try DDIMScheduler()
        #expect(empty.finalAlphaCumprod == 1)

        let ddpm = try #require(try configuration.makeScheduler(as: .ddpm) as? DDPMScheduler)
        #expect(ddpm.varianceType == .fixedSmall)
        #expect(ddpm.timestepSpacing == .leading)

        let ancestral = try configuration.makeScheduler(as: .eulerAncestralDiscrete)
        #expect(ancestral.kind == .eulerAncestralDiscrete)
        #expect(ancestral.usesNoise)
    }

    @Test func unknownKeysAreIgnored() throws {
        let text = """
            {"_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.30.0", "some_future_option": [1, 2],
             "use_karras_sigmas": true, "nested": {"a": null}}
            """
        let scheduler = try #require(try Self.configuration(text).makeScheduler() as? EulerDiscreteScheduler)
        #expect(scheduler.useKarrasSigmas)
    }

    @Test func encodingWritesDiffusersKeys() throws {
        let configuration = try Self.configuration(Self.sd21)
        let data = try configuration.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["_class_name"] as? String == "DDIMScheduler")
        #expect(object["prediction_type"] as? String == "v_prediction")
        #expect(object["steps_offset"] as? Int == 1)
        #expect(object["beta_schedule"] as? String == "scaled_linear")
        #expect(object["timestep_spacing"] == nil)
        #expect(try SchedulerConfiguration(jsonData: data) == configuration)
    }

    @Test func readsAFile() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("lethe-scheduler-\(UUID().uuidString).json")
        try Data(Self.sd15.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try SchedulerConfiguration(contentsOf: url) == Self.configuration(Self.sd15))
    }

    @Test func kindsFromNames() throws {
        #expect(try SchedulerKind(name: "euler") == .eulerDiscrete)
        #expect(try SchedulerKind(name: "Euler_A") == .eulerAncestralDiscrete)
        #expect(try SchedulerKind(name: "euler-ancestral") == .eulerAncestralDiscrete)
        #expect(try SchedulerKind(name: "DDIMScheduler") == .ddim)
        #expect(try SchedulerKind(name: "pndm") == .pndm)
        #expect(try SchedulerKind(className: "DDPMScheduler") == .ddpm)
        for kind in SchedulerKind.allCases {
            #expect(try SchedulerKind(name: kind.shortName) == kind)
            #expect(try SchedulerKind(className: kind.rawValue) == kind)
        }
    }
}
