import Foundation
import LetheDiffusion
import LetheTestSupport
import Testing

/// Timesteps, sigmas and the initial noise scale for many step counts, against diffusers.
@Suite("Scheduler timesteps match diffusers")
struct SchedulerTimestepTests {
    static func caseNames() throws -> [String] { try SchedulerFixtures.timesteps().cases.map(\.name) }

    static func sigmas(of scheduler: any Scheduler) -> [Float]? {
        (scheduler as? EulerDiscreteScheduler)?.sigmas ?? (scheduler as? EulerAncestralDiscreteScheduler)?.sigmas
    }

    @Test(arguments: try caseNames())
    func timestepsMatchDiffusers(_ name: String) throws {
        let fixture = try SchedulerFixtures.timesteps()
        let recorded = try #require(fixture.cases.first { $0.name == name })
        let kind = try SchedulerKind(className: recorded.scheduler)
        // Karras timesteps come through float32 logarithms whose last bit differs between NumPy and libm.
        let logDerived = recorded.config.useKarrasSigmas == true
        for run in recorded.runs {
            var scheduler = try recorded.config.makeScheduler(as: kind)
            let context = "\(name) with \(run.numInferenceSteps) steps"
            if run.fails == true {
                #expect(throws: SchedulerError.self, "\(context) should be refused") {
                    try scheduler.setTimesteps(run.numInferenceSteps)
                }
                continue
            }
            try scheduler.setTimesteps(run.numInferenceSteps)
            let timesteps = try #require(run.timesteps)
            if logDerived {
                #expect(scheduler.timesteps.count == timesteps.count, "\(context)")
                if scheduler.timesteps.count == timesteps.count {
                    #expect(RelativeError(scheduler.timesteps, timesteps).value <= 1e-6, "\(context)")
                }
            } else {
                #expect(scheduler.timesteps == timesteps, "\(context)")
            }
            if let expected = run.sigmas {
                let actual = try #require(Self.sigmas(of: scheduler))
                #expect(actual.count == expected.count, "\(context)")
                if actual.count == expected.count {
                    // The training sigmas come from torch's float32 square root, within an ulp of Swift's.
                    #expect(RelativeError(actual, expected).value <= 1e-6, "sigmas of \(context)")
                }
            }
            if let sigma = run.initNoiseSigma {
                #expect(RelativeError(scheduler.initNoiseSigma, sigma).value <= 1e-6, "init_noise_sigma of \(context)")
            }
        }
    }

    @Test func stableDiffusionOneFiveTimestepsByHand() throws {
        // PNDM with skip_prk_steps, leading spacing and steps_offset 1: 1000 // 5 = 200 apart, the second
        // highest repeated.
        let configuration = try SchedulerConfiguration(jsonData: Data(SchedulerConfigurationTests.sd15.utf8))
        var pndm = try configuration.makeScheduler()
        try pndm.setTimesteps(5)
        #expect(pndm.timesteps == [801, 601, 601, 401, 201, 1])

        var ddim = try configuration.makeScheduler(as: .ddim)
        try ddim.setTimesteps(5)
        #expect(ddim.timesteps == [801, 601, 401, 201, 1])

        // Euler keeps its own linspace default: 999 … 0 in quarters of 999.
        var euler = try configuration.makeScheduler(as: .eulerDiscrete)
        try euler.setTimesteps(5)
        #expect(euler.timesteps == [999, 749.25, 499.5, 249.75, 0])
    }

    @Test func trailingSpacingByHand() throws {
        var configuration = SchedulerConfiguration()
        configuration.timestepSpacing = "trailing"
        var ddim = try DDIMScheduler(configuration: configuration)
        try ddim.setTimesteps(4)
        #expect(ddim.timesteps == [999, 749, 499, 249])
        // 1000 / 16 = 62.5: NumPy rounds halves to even (937.5 → 938, 812.5 → 812).
        try ddim.setTimesteps(16)
        #expect(Array(ddim.timesteps.prefix(4)) == [999, 937, 874, 811])
    }
}
