import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// Attention hooks: what a capture sees, and the gradients of a loss term on the probabilities, against torch
/// (probabilities captured by an explicit attention processor); the blockwise backward against the one through
/// kept probabilities.
@Suite struct AttentionHooksBackwardTests {
    private func crossAttention(_ fixture: BlockGradientCase) throws -> (Attention, WeightStore) {
        let store = fixture.store()
        let attention = try Attention(store, name: "attn2", kind: .crossAttention, queryDimension: 32,
                                      contextDimension: 24, heads: 2, headDimension: 8)
        try store.finish()
        return (attention, store)
    }

    /// A hooks-only tape (not recording): the hook sees torch's probabilities [B, heads, N, M], the output is
    /// unchanged and nothing is saved.
    @Test func captureSeesTorchProbabilities() throws {
        let fixture = try BlockGradientCase("attn_cross")
        let (attention, _) = try crossAttention(fixture)
        let recorder = ProbabilityRecorder()
        let hooks = AttentionHooks()
        hooks.register(recorder, on: "attn2")
        let tape = ActivationTape(recording: false, hooks: hooks)
        let output = attention.forward(try fixture.input("hidden_states"), context: try fixture.input("context"), tape: tape)
        #expect(tape.count == 0)
        try fixture.expectClose(output, "output")
        #expect(Array(recorder.captured.keys) == ["attn2"])
        let probabilities = try #require(recorder.captured["attn2"])
        #expect(probabilities.shape == [2, 2, 12, 7])
        try fixture.expectClose(probabilities, "hook.probabilities.attn2")
    }

    /// A hook adding ‖P[:, :, :, tokens]‖₂ to sum(output·R): every gradient is torch's for the combined loss.
    @Test func lossTermOnProbabilitiesMatchesTorch() throws {
        let fixture = try BlockGradientCase("attn_cross")
        let (attention, store) = try crossAttention(fixture)
        let gradients = try ParameterGradients(store: store, selection: .all)
        let hook = TokenNormHook(tokens: try fixture.fixture.int64Values(named: "attn_cross.hook.tokens").map { Int($0) })
        let hooks = AttentionHooks()
        hooks.register(hook, on: "attn2")
        let tape = ActivationTape(hooks: hooks)
        let output = attention.forward(try fixture.input("hidden_states"), context: try fixture.input("context"), tape: tape)
        try fixture.expectClose(output, "output")
        try fixture.expectClose(try #require(hook.captured["attn2"]), "hook.probabilities.attn2")
        let inputGradients = attention.backward(try fixture.upstream, tape: tape, gradients: gradients)
        #expect(tape.count == 0 && tape.savedElements == 0)
        try fixture.expectClose(inputGradients.hiddenStates, "hook.grad_input.hidden_states")
        try fixture.expectClose(try #require(inputGradients.context), "hook.grad_input.context")
        try fixture.expectParameterGradients(gradients, group: "hook.grad")
        // The hook's term changes the gradients: the comparison above is not the plain one again.
        let plain = try fixture.tensor("grad_input.context")
        #expect(RelativeError(try #require(inputGradients.context), plain).value > 1e-2)
    }

    /// Self-attention over 900 positions takes two blocks of query rows (582 + 318); its blockwise backward,
    /// which recomputes the probabilities, gives the gradients of the backward through the kept probabilities that
    /// a hook without a loss term makes the layer take.
    @Test func blockwiseBackwardMatchesKeptProbabilities() throws {
        let (attention, store) = try WeightStore.random(seed: 11) {
            try Attention($0, name: "attn1", kind: .selfAttention, queryDimension: 16, contextDimension: 16,
                          heads: 2, headDimension: 8, projectionBias: true)
        }
        let stream = RandomStream(seed: 12, purpose: "inputs", id: 0)
        let hidden = stream.normalTensor(shape: [1, 900, 16])
        let upstream = stream.normalTensor(shape: [1, 900, 16], startingAt: 1 << 20)
        #expect(Attention.probabilityBlockElements / 900 == 582)

        func run(hooked: Bool) throws -> (output: Tensor, input: Tensor, gradients: ParameterGradients) {
            let gradients = try ParameterGradients(store: store, selection: .all)
            let hooks = AttentionHooks()
            let recorder = ProbabilityRecorder()
            if hooked { hooks.register(recorder, on: "attn1") }
            let tape = ActivationTape(hooks: hooks)
            let output = attention.forward(hidden, context: nil, tape: tape)
            #expect(recorder.captured.isEmpty != hooked)
            let input = attention.backward(upstream, tape: tape, gradients: gradients).hiddenStates
            #expect(tape.count == 0)
            return (output, input, gradients)
        }
        let blockwise = try run(hooked: false), kept = try run(hooked: true)
        #expect(RelativeError(blockwise.output, kept.output).value < 1e-5)
        let inputError = RelativeError(blockwise.input, kept.input)
        print("blockwise vs kept probabilities, input gradient: \(inputError)")
        #expect(inputError.value < 1e-5)
        let pairs = try kept.gradients.entries.map { entry in
            (entry.name, try #require(blockwise.gradients.gradient(named: entry.name)),
             try #require(kept.gradients.gradient(named: entry.name)))
        }
        #expect(pairs.count == 8)
        let worst = BlockGradientCase.expectGradientsClose(pairs, label: "blockwise vs kept", bound: 1e-5)
        print("blockwise vs kept probabilities, parameter gradients: worst \(String(format: "%.3e", worst))")
    }
}
