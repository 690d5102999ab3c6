import LetheModels
import LetheTensor
import Testing

/// Transformer2DModel's and BasicTransformerBlock's forward/backward pairs against torch autograd on diffusers'
/// modules: conv and linear proj_in/out, GEGLU, GELU and tanh-GELU feed-forwards, hooks on the cross-attention.
@Suite struct Transformer2DModelBackwardTests {
    private func transformer(_ fixture: BlockGradientCase, channels: Int, layers: Int, linear: Bool,
                             activation: FeedForward.Activation) throws -> (Transformer2DModel, WeightStore) {
        let store = fixture.store()
        let model = try Transformer2DModel(store, "transformer", channels: channels, heads: 2, layers: layers,
                                           crossAttentionDimension: 24, groups: 4, useLinearProjection: linear,
                                           activation: activation)
        try store.finish()
        return (model, store)
    }

    private func checkTransformer(_ caseName: String, channels: Int, layers: Int, linear: Bool,
                                  activation: FeedForward.Activation) throws {
        let fixture = try BlockGradientCase(caseName)
        let (model, store) = try transformer(fixture, channels: channels, layers: layers, linear: linear, activation: activation)
        let gradients = try ParameterGradients(store: store, selection: .all)
        let (input, context) = (try fixture.input("hidden_states"), try fixture.input("context"))
        let tape = ActivationTape()
        try fixture.expectClose(model.forward(input, context: context, tape: tape), "output")
        try fixture.expectClose(model.forward(input, context: context), "output")
        let inputGradients = model.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0 && tape.savedElements == 0)
        try fixture.expectClose(inputGradients.input, "grad_input.hidden_states")
        try fixture.expectClose(inputGradients.context, "grad_input.context")
        try fixture.expectParameterGradients(gradients)
    }

    @Test func convolutionProjectionsWithGEGLUMatchTorch() throws {
        try checkTransformer("transformer_conv_geglu", channels: 8, layers: 2, linear: false, activation: .geglu)
    }

    @Test func linearProjectionsWithGELUMatchTorch() throws {
        try checkTransformer("transformer_linear_gelu", channels: 16, layers: 1, linear: true, activation: .gelu)
    }

    @Test func basicTransformerBlockWithTanhGELUMatchesTorch() throws {
        let fixture = try BlockGradientCase("block_gelu_tanh")
        let store = fixture.store()
        let block = try BasicTransformerBlock(store, "block", width: 16, heads: 2, headDimension: 8,
                                              crossAttentionDimension: 24, activation: .geluApproximate)
        try store.finish()
        let gradients = try ParameterGradients(store: store, selection: .all)
        let (hidden, context) = (try fixture.input("hidden_states"), try fixture.input("context"))
        let tape = ActivationTape()
        try fixture.expectClose(block.forward(hidden, context: context, tape: tape), "output")
        try fixture.expectClose(block.forward(hidden, context: context), "output")
        let inputGradients = block.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0)
        try fixture.expectClose(inputGradients.hiddenStates, "grad_input.hidden_states")
        try fixture.expectClose(inputGradients.context, "grad_input.context")
        try fixture.expectParameterGradients(gradients)
    }

    /// Hooks on `attn2` of both transformer blocks: each sees torch's probabilities, and a loss term on them
    /// (‖P[:, :, :, tokens]‖₂ per layer, added to sum(output·R)) gives torch's gradients for the combined loss.
    @Test func hooksOnEveryCrossAttentionMatchTorch() throws {
        let fixture = try BlockGradientCase("transformer_conv_geglu")
        let (model, store) = try transformer(fixture, channels: 8, layers: 2, linear: false, activation: .geglu)
        let gradients = try ParameterGradients(store: store, selection: .all)
        let tokens = try fixture.fixture.int64Values(named: "transformer_conv_geglu.hook.tokens").map { Int($0) }
        let hook = TokenNormHook(tokens: tokens)
        let hooks = AttentionHooks()
        hooks.register(hook, on: "attn2")
        let tape = ActivationTape(hooks: hooks)
        try fixture.expectClose(model.forward(try fixture.input("hidden_states"), context: try fixture.input("context"),
                                              tape: tape), "output")
        let layers = model.attentionLayers.filter { $0.kind == .crossAttention }.map(\.name)
        #expect(layers == ["transformer.transformer_blocks.0.attn2", "transformer.transformer_blocks.1.attn2"])
        #expect(Set(hook.captured.keys) == Set(layers))
        for layer in layers {
            try fixture.expectClose(try #require(hook.captured[layer]), "hook.probabilities.\(layer)")
        }
        let inputGradients = model.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0)
        try fixture.expectClose(inputGradients.input, "hook.grad_input.hidden_states")
        try fixture.expectClose(inputGradients.context, "hook.grad_input.context")
        try fixture.expectParameterGradients(gradients, group: "hook.grad")
    }
}
