import LetheDiffusion
import Testing

/// Which steps draw from the generator decides whether a seeded run reproduces diffusers' images.
@Suite struct SchedulerNoiseDrawTests {
    @Test func ddpmDrawsAboveTimestepZeroOnly() throws {
        let scheduler = try DDPMScheduler()
        #expect(scheduler.drawsNoise(atTimestep: 1))
        #expect(scheduler.drawsNoise(atTimestep: 999))
        #expect(!scheduler.drawsNoise(atTimestep: 0))
    }

    @Test func eulerAncestralDrawsEveryStep() throws {
        let scheduler = try EulerAncestralDiscreteScheduler()
        #expect(scheduler.drawsNoise(atTimestep: 0))
        #expect(scheduler.drawsNoise(atTimestep: 500))
    }

    @Test func deterministicSchedulersNeverDraw() throws {
        #expect(!(try DDIMScheduler()).drawsNoise(atTimestep: 500))
        #expect(!(try PNDMScheduler()).drawsNoise(atTimestep: 500))
        #expect(!(try EulerDiscreteScheduler()).drawsNoise(atTimestep: 500))
    }
}
