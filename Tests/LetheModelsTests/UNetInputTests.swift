import LetheTestSupport
import Testing
import LetheModels
import LetheTensor

/// Inputs that do not fit the model are reported, not trapped on.
@Suite struct UNetInputTests {
    private let model: UNet2DConditionModel
    private let sample = Tensor(zeros: [2, 4, 8, 8])
    private let text = Tensor(zeros: [2, 77, 8])

    init() throws { model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny"))) }

    @Test func wrongSampleChannels() {
        #expect(throws: UNetInputError.sampleShape(found: [2, 3, 8, 8], inChannels: 4)) {
            try model.forward(sample: Tensor(zeros: [2, 3, 8, 8]), timestep: 1, encoderHiddenStates: text)
        }
    }

    @Test func sampleOfWrongRank() {
        #expect(throws: UNetInputError.sampleShape(found: [4, 8, 8], inChannels: 4)) {
            try model.forward(sample: Tensor(zeros: [4, 8, 8]), timestep: 1, encoderHiddenStates: text)
        }
    }

    @Test func timestepCountDiffersFromBatch() {
        #expect(throws: UNetInputError.timestepCount(found: 3, batch: 2)) {
            try model.forward(sample: sample, timesteps: [1, 2, 3], encoderHiddenStates: text)
        }
    }

    @Test func textWidthDiffersFromCrossAttentionDim() {
        #expect(throws: UNetInputError.encoderHiddenStatesShape(found: [2, 77, 16], batch: 2, width: 8)) {
            try model.forward(sample: sample, timestep: 1, encoderHiddenStates: Tensor(zeros: [2, 77, 16]))
        }
    }

    @Test func textBatchDiffersFromSampleBatch() {
        #expect(throws: UNetInputError.encoderHiddenStatesShape(found: [1, 77, 8], batch: 2, width: 8)) {
            try model.forward(sample: sample, timestep: 1, encoderHiddenStates: Tensor(zeros: [1, 77, 8]))
        }
    }

    @Test func messageNamesTheInput() {
        let message = UNetInputError.encoderHiddenStatesShape(found: [1, 77, 16], batch: 2, width: 8).description
        #expect(message.contains("encoder_hidden_states") && message.contains("[1, 77, 16]") && message.contains("[2, tokens, 8]"))
    }
}
