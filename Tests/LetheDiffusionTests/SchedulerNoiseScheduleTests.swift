import Foundation
import LetheDiffusion
import LetheTestSupport
import Testing

@Suite("Noise schedules")
struct SchedulerNoiseScheduleTests {
    static func caseNames() throws -> [String] { try SchedulerFixtures.noiseSchedules().cases.map(\.name) }

    /// Betas and ᾱ equal diffusers' float32 values bit for bit: the float32 `torch.linspace` (fused
    /// multiply-add from the nearer end) and the float64-accumulated `torch.cumprod` are reproduced exactly.
    /// The zero-terminal-SNR rescale takes square roots, and torch's float32 sqrt is not correctly rounded
    /// (up to 0.75 ulp here) while Swift's is, so that schedule agrees to within rounding instead.
    @Test(arguments: try caseNames())
    func scheduleMatchesDiffusers(_ name: String) throws {
        let fixture = try SchedulerFixtures.noiseSchedules()
        let recorded = try #require(fixture.cases.first { $0.name == name })
        let scheduler = try recorded.config.makeScheduler(as: SchedulerKind(className: recorded.scheduler))
        let schedule = scheduler.noiseSchedule
        #expect(schedule.numTrainTimesteps == recorded.betas.count)
        if recorded.config.rescaleBetasZeroSnr == true {
            #expect(RelativeError(schedule.betas, recorded.betas).value <= 1e-5)
            #expect(RelativeError(schedule.alphasCumprod, recorded.alphasCumprod).value <= 1e-5)
            #expect(schedule.alphasCumprod.last == 0)
        } else {
            #expect(schedule.betas == recorded.betas)
            #expect(schedule.alphasCumprod == recorded.alphasCumprod)
        }
    }

    @Test func linearScheduleByHand() {
        let schedule = NoiseSchedule(numTrainTimesteps: 3, betaStart: 0.1, betaEnd: 0.3, schedule: .linear)
        for (beta, expected) in zip(schedule.betas, [0.1, 0.2, 0.3]) { #expect(abs(Double(beta) - expected) < 1e-7) }
        for (alpha, expected) in zip(schedule.alphas, [0.9, 0.8, 0.7]) { #expect(abs(Double(alpha) - expected) < 1e-7) }
        for (product, expected) in zip(schedule.alphasCumprod, [0.9, 0.72, 0.504]) {
            #expect(abs(Double(product) - expected) < 1e-7)
        }
    }

    @Test func scaledLinearIsLinearInTheSquareRoot() {
        let schedule = NoiseSchedule(numTrainTimesteps: 5, betaStart: 0.01, betaEnd: 0.09, schedule: .scaledLinear)
        // sqrt(β) runs 0.1, 0.15, 0.2, 0.25, 0.3.
        for (beta, root) in zip(schedule.betas, [0.1, 0.15, 0.2, 0.25, 0.3]) {
            #expect(abs(Double(beta) - root * root) < 1e-8)
        }
    }

    @Test func cosineScheduleByHand() {
        let count = 10
        let schedule = NoiseSchedule(numTrainTimesteps: count, schedule: .squaredcosCapV2)
        func alphaBar(_ t: Double) -> Double { pow(cos((t + 0.008) / 1.008 * Double.pi / 2), 2) }
        for index in 0..<count {
            let t1 = Double(index) / Double(count), t2 = Double(index + 1) / Double(count)
            let expected = min(1 - alphaBar(t2) / alphaBar(t1), 0.999)
            #expect(abs(Double(schedule.betas[index]) - expected) <= 1e-7 * expected)
        }
        // ᾱ reaches cos²(π/2) = 0 at t = 1, so the cap applies to the last beta.
        #expect(schedule.betas[count - 1] == Float(0.999))
    }

    @Test func zeroTerminalSNRKeepsTheFirstAlphaAndZeroesTheLast() {
        let plain = NoiseSchedule(numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, schedule: .scaledLinear)
        let rescaled = NoiseSchedule(numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012,
                                     schedule: .scaledLinear, rescaleToZeroTerminalSNR: true)
        #expect(abs(Double(rescaled.alphasCumprod[0]) - Double(plain.alphasCumprod[0])) < 1e-6)
        #expect(rescaled.alphasCumprod[999] == 0)
        #expect(rescaled.betas[999] == 1)
        #expect(zip(rescaled.alphasCumprod.dropFirst(), rescaled.alphasCumprod).allSatisfy { $0 <= $1 })
    }

    @Test func trainedBetasReplaceTheSchedule() throws {
        var configuration = SchedulerConfiguration()
        configuration.numTrainTimesteps = 4
        configuration.trainedBetas = [0.1, 0.2, 0.3, 0.4]
        configuration.betaSchedule = "scaled_linear"
        let scheduler = try DDPMScheduler(configuration: configuration)
        #expect(scheduler.noiseSchedule.betas == [0.1, 0.2, 0.3, 0.4])
        let expected = [0.9, 0.72, 0.504, 0.3024]
        for (product, value) in zip(scheduler.noiseSchedule.alphasCumprod, expected) {
            #expect(abs(Double(product) - value) < 1e-7)
        }
    }
}
