import Foundation
import LetheTestSupport
import Testing
import LetheModels
import LetheTensor

/// The tiny SD 1.x / 2.x UNets against diffusers' outputs (Scripts/reference/make_pipeline_fixtures.py).
@Suite struct UNetForwardTests {
    /// Each 3×3 convolution both ways: the tiny models' layers are below where the automatic choice takes Winograd,
    /// so forcing it here is what shows its error inside the same bound.
    @Test(arguments: ["sd1-tiny", "sd2-tiny"], [ConvolutionAlgorithm.im2col, .winograd])
    func matchesDiffusersAtEveryTimestep(pipeline: String, convolution: ConvolutionAlgorithm) throws {
        try ConvolutionAlgorithm.$override.withValue(convolution) { try matchesDiffusersAtEveryTimestep(pipeline) }
    }

    private func matchesDiffusersAtEveryTimestep(_ pipeline: String) throws {
        let model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline(pipeline)))
        let references = try Fixture.references(pipeline)
        let sample = try references.tensor(named: "unet.sample")
        let text = try references.tensor(named: "text.last_hidden_state").narrowed(axis: 0, start: 0, length: 2)
        for timestep in [999, 500, 1] {
            let output = try model.forward(sample: sample, timestep: Float(timestep), encoderHiddenStates: text)
            let error = RelativeError(output, try references.tensor(named: "unet.t\(timestep).output"))
            print("\(pipeline) UNet t=\(timestep), \(ConvolutionAlgorithm.override) convolutions: \(error)")
            #expect(error.value <= 1e-4, "\(pipeline) t=\(timestep): \(error)")
        }
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"], [ConvolutionAlgorithm.im2col, .winograd])
    func oddLatentSizeAndFractionalTimestep(pipeline: String, convolution: ConvolutionAlgorithm) throws {
        try ConvolutionAlgorithm.$override.withValue(convolution) { try oddLatentSizeAndFractionalTimestep(pipeline) }
    }

    private func oddLatentSizeAndFractionalTimestep(_ pipeline: String) throws {
        let model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline(pipeline)))
        let shapes = try Fixture.references("unet-shapes")
        let text = try Fixture.references(pipeline).tensor(named: "text.last_hidden_state")
            .narrowed(axis: 0, start: 2, length: 1)
        let output = try model.forward(sample: shapes.tensor(named: "\(pipeline).odd.sample"), timestep: 250.5,
                               encoderHiddenStates: text)
        let error = RelativeError(output, try shapes.tensor(named: "\(pipeline).odd.output"))
        print("\(pipeline) UNet [1, 4, 6, 10] t=250.5, \(ConvolutionAlgorithm.override) convolutions: \(error)")
        #expect(error.value <= 1e-4, "\(error)")
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func oneTimestepPerSample(pipeline: String) throws {
        let model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline(pipeline)))
        let shapes = try Fixture.references("unet-shapes")
        let text = try Fixture.references(pipeline).tensor(named: "text.last_hidden_state")
            .narrowed(axis: 0, start: 0, length: 2)
        let timesteps = try shapes.tensor(named: "\(pipeline).pair.timesteps").toArray()
        #expect(timesteps == [981, 21])
        let output = try model.forward(sample: shapes.tensor(named: "\(pipeline).pair.sample"), timesteps: timesteps,
                               encoderHiddenStates: text)
        let error = RelativeError(output, try shapes.tensor(named: "\(pipeline).pair.output"))
        print("\(pipeline) UNet [2, 4, 5, 7] t=[981, 21]: \(error)")
        #expect(error.value <= 1e-4, "\(error)")
    }

    @Test func tinyForwardTime() throws {
        let model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        let references = try Fixture.references("sd1-tiny")
        let sample = try references.tensor(named: "unet.sample")
        let text = try references.tensor(named: "text.last_hidden_state").narrowed(axis: 0, start: 0, length: 2)
        _ = try model.forward(sample: sample, timestep: 500, encoderHiddenStates: text)
        let clock = ContinuousClock()
        let runs = 10
        let elapsed = try clock.measure {
            for _ in 0..<runs { _ = try model.forward(sample: sample, timestep: 500, encoderHiddenStates: text) }
        }
        print("sd1-tiny UNet forward [2, 4, 8, 8]: \(elapsed / runs) per call")
        #expect(elapsed / runs < .seconds(1))
    }
}
