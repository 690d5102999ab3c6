import LetheModels
import LetheTensor
import Testing

/// ResnetBlock2D's forward/backward pair against torch autograd on diffusers' ResnetBlock2D.
@Suite struct ResnetBlock2DBackwardTests {
    /// 8 → 16 channels (1×1 conv_shortcut) with a time embedding of 12.
    @Test func shortcutAndTimeEmbeddingMatchTorch() throws {
        let fixture = try BlockGradientCase("resnet_shortcut_temb")
        let store = fixture.store()
        let block = try ResnetBlock2D(store, "resnet", inChannels: 8, outChannels: 16, timeEmbeddingChannels: 12,
                                      groups: 4, epsilon: 1e-5)
        try store.finish()
        #expect(block.convShortcut != nil && block.timeEmbeddingProjection != nil)
        let gradients = try ParameterGradients(store: store, selection: .all)
        let (input, time) = (try fixture.input("hidden_states"), try fixture.input("temb"))
        let tape = ActivationTape()
        try fixture.expectClose(block.forward(input, timeEmbedding: time, tape: tape), "output")
        try fixture.expectClose(block.forward(input, timeEmbedding: time), "output")
        let inputGradients = block.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0 && tape.savedElements == 0)
        try fixture.expectClose(inputGradients.input, "grad_input.hidden_states")
        try fixture.expectClose(try #require(inputGradients.timeEmbedding), "grad_input.temb")
        try fixture.expectParameterGradients(gradients)
    }

    /// Same channels, no time embedding (the VAE's kind), output_scale_factor 2.
    @Test func plainBlockWithOutputScaleMatchesTorch() throws {
        let fixture = try BlockGradientCase("resnet_plain")
        let store = fixture.store()
        let block = try ResnetBlock2D(store, "resnet", inChannels: 8, outChannels: 8, timeEmbeddingChannels: nil,
                                      groups: 4, epsilon: 1e-6, outputScaleFactor: 2)
        try store.finish()
        #expect(block.convShortcut == nil && block.timeEmbeddingProjection == nil)
        let gradients = try ParameterGradients(store: store, selection: .all)
        let input = try fixture.input("hidden_states")
        let tape = ActivationTape()
        try fixture.expectClose(block.forward(input, timeEmbedding: nil, tape: tape), "output")
        try fixture.expectClose(block.forward(input, timeEmbedding: nil), "output")
        let inputGradients = block.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0)
        #expect(inputGradients.timeEmbedding == nil)
        try fixture.expectClose(inputGradients.input, "grad_input.hidden_states")
        try fixture.expectParameterGradients(gradients)
    }
}
