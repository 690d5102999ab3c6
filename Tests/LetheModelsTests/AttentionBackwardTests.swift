import LetheModels
import LetheTensor
import Testing

/// Attention's forward/backward pair against torch autograd on diffusers' Attention (float64 reference).
@Suite struct AttentionBackwardTests {
    /// Loads `CASE.param.*` into an Attention named `layer`, checks the output of a recording forward pass and of
    /// the inference path, runs backward with R and checks every gradient; the tape ends empty.
    private func check(_ caseName: String, layer: String, kind: AttentionKind, queryDimension: Int,
                       contextDimension: Int, heads: Int, headDimension: Int, projectionBias: Bool = false) throws {
        let fixture = try BlockGradientCase(caseName)
        let store = fixture.store()
        let attention = try Attention(store, name: layer, kind: kind, queryDimension: queryDimension,
                                      contextDimension: contextDimension, heads: heads, headDimension: headDimension,
                                      projectionBias: projectionBias)
        try store.finish()
        let gradients = try ParameterGradients(store: store, selection: .all)
        let hidden = try fixture.input("hidden_states")
        let context = kind == .crossAttention ? try fixture.input("context") : nil
        let tape = ActivationTape()
        let output = attention.forward(hidden, context: context, tape: tape)
        try fixture.expectClose(output, "output")
        try fixture.expectClose(attention.forward(hidden, context: context), "output")
        let inputGradients = attention.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0 && tape.savedElements == 0)
        try fixture.expectClose(inputGradients.hiddenStates, "grad_input.hidden_states")
        if let context = inputGradients.context {
            #expect(kind == .crossAttention)
            try fixture.expectClose(context, "grad_input.context")
        } else {
            #expect(kind == .selfAttention)
        }
        try fixture.expectParameterGradients(gradients)
    }

    @Test func selfAttentionMatchesTorch() throws {
        try check("attn_self", layer: "attn1", kind: .selfAttention, queryDimension: 32, contextDimension: 32,
                  heads: 2, headDimension: 8)
    }

    @Test func crossAttentionMatchesTorch() throws {
        try check("attn_cross", layer: "attn2", kind: .crossAttention, queryDimension: 32, contextDimension: 24,
                  heads: 2, headDimension: 8)
    }

    @Test func singleHeadWithProjectionBiasMatchesTorch() throws {
        try check("attn_bias", layer: "attention", kind: .selfAttention, queryDimension: 16, contextDimension: 16,
                  heads: 1, headDimension: 16, projectionBias: true)
    }

    /// A frozen selection trains only to_k: the gradient buffer holds to_k alone, its gradient is torch's, and the
    /// input gradients (which flow through the frozen projections) are unchanged.
    @Test func frozenSelectionTrainsOnlyTheSelectedProjection() throws {
        let fixture = try BlockGradientCase("attn_cross")
        let store = fixture.store()
        let attention = try Attention(store, name: "attn2", kind: .crossAttention, queryDimension: 32,
                                      contextDimension: 24, heads: 2, headDimension: 8)
        let gradients = try ParameterGradients(store: store, selection: ParameterSelection(["to_k"]))
        #expect(gradients.entries.map(\.name) == ["attn2.to_k.weight"])
        #expect(gradients.count == 16 * 24)
        #expect(gradients.gradient(for: attention.toQuery.weight) == nil)
        #expect(gradients.gradient(for: attention.toValue.weight) == nil)
        #expect(gradients.gradient(for: attention.toOut.weight) == nil)
        let tape = ActivationTape()
        _ = attention.forward(try fixture.input("hidden_states"), context: try fixture.input("context"), tape: tape)
        let inputGradients = attention.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0)
        let toKey = try #require(gradients.gradient(named: "attn2.to_k.weight"))
        try fixture.expectClose(toKey, "grad.attn2.to_k.weight")
        try fixture.expectClose(inputGradients.hiddenStates, "grad_input.hidden_states")
        try fixture.expectClose(try #require(inputGradients.context), "grad_input.context")
    }
}
