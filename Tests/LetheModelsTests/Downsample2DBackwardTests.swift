import LetheModels
import LetheTensor
import Testing

/// Downsample2D's forward/backward pair against torch autograd on diffusers' Downsample2D.
@Suite struct Downsample2DBackwardTests {
    /// padding 1: a stride-2 convolution of a 7×7 input; padding 0: diffusers pads a zero row and column at the
    /// bottom and right first (8×6 → 4×3).
    @Test(arguments: [("down_pad1", 1), ("down_pad0", 0)])
    func matchesTorch(caseName: String, padding: Int) throws {
        let fixture = try BlockGradientCase(caseName)
        let store = fixture.store()
        let block = try Downsample2D(store, "down", channels: 8, padding: padding)
        try store.finish()
        let gradients = try ParameterGradients(store: store, selection: .all)
        let input = try fixture.input("hidden_states")
        let tape = ActivationTape()
        try fixture.expectClose(block.forward(input, tape: tape), "output")
        try fixture.expectClose(block.forward(input), "output")
        let inputGradient = block.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0 && tape.savedElements == 0)
        #expect(inputGradient.shape == input.shape)
        try fixture.expectClose(inputGradient, "grad_input.hidden_states")
        try fixture.expectParameterGradients(gradients)
    }
}
