import LetheModels
import LetheTensor
import Testing

/// Upsample2D's forward/backward pair against torch autograd on diffusers' Upsample2D.
@Suite struct Upsample2DBackwardTests {
    private func check(_ caseName: String, size: (height: Int, width: Int)?) throws {
        let fixture = try BlockGradientCase(caseName)
        let store = fixture.store()
        let block = try Upsample2D(store, "up", channels: 8)
        try store.finish()
        let gradients = try ParameterGradients(store: store, selection: .all)
        let input = try fixture.input("hidden_states")
        let tape = ActivationTape()
        try fixture.expectClose(block.forward(input, size: size, tape: tape), "output")
        try fixture.expectClose(block.forward(input, size: size), "output")
        let inputGradient = block.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0 && tape.savedElements == 0)
        #expect(inputGradient.shape == input.shape)
        try fixture.expectClose(inputGradient, "grad_input.hidden_states")
        try fixture.expectParameterGradients(gradients)
    }

    @Test func doublingMatchesTorch() throws {
        try check("up_double", size: nil)
    }

    /// To an explicit 7×9 from 3×4, as diffusers upsamples to a skip connection's size.
    @Test func explicitSizeMatchesTorch() throws {
        let fixture = try BlockGradientCase("up_size")
        let size = try fixture.fixture.int64Values(named: "up_size.size").map { Int($0) }
        try #require(size.count == 2)
        try check("up_size", size: (size[0], size[1]))
    }
}
