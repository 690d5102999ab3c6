import Foundation
import LetheModels
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

/// Forget-Me-Not's loss: on hand-made probabilities, and through the tiny UNets against float64 torch autograd of
/// upstream's processor and loss (Scripts/reference/make_unet_gradient_fixtures.py).
@Suite struct ConceptAttentionLossTests {
    // MARK: The hook on its own

    /// [2 samples, 2 heads, 3 queries, 4 tokens] of distinct values.
    private static let probabilities = Tensor(shape: [2, 2, 3, 4], values: (0..<48).map { Float($0 + 1) / 100 })

    @Test func lossAndGradientOnHandMadeProbabilities() throws {
        // Sample 0 looks at token 1, sample 1 at tokens 0 and 3.
        let loss = try ConceptAttentionLoss(tokenPositions: [[1], [3, 0]], tokenCount: 4)
        loss.capture(layer: "a.attn2", probabilities: Self.probabilities)
        var squares = 0.0
        var chosen: [[Int]: Double] = [:]
        for head in 0..<2 {
            for query in 0..<3 {
                for (sample, tokens) in [(0, [1]), (1, [0, 3])] {
                    for token in tokens {
                        // Element [b, h, q, t] of the row-major values above.
                        let value = Double(((sample * 2 + head) * 3 + query) * 4 + token + 1) / 100
                        squares += value * value
                        chosen[[sample, head, query, token]] = value
                    }
                }
            }
        }
        let expected = squares.squareRoot()
        #expect(abs(Double(loss.loss) - expected) <= 1e-6 * expected)
        let gradient = try #require(loss.probabilityGradient(layer: "a.attn2"))
        #expect(gradient.shape == [2, 2, 3, 4])
        for sample in 0..<2 { for head in 0..<2 { for query in 0..<3 { for token in 0..<4 {
            let want = chosen[[sample, head, query, token]].map { $0 / expected } ?? 0
            #expect(abs(Double(gradient[sample, head, query, token]) - want) <= 1e-6)
        } } } }
        // Mean over samples, heads and queries of the mass on each sample's tokens.
        let mass = chosen.values.reduce(0, +) / 12
        #expect(loss.attentionMass.map(\.layer) == ["a.attn2"])
        #expect(abs(Double(loss.attentionMass[0].mass) - mass) <= 1e-6)
        #expect(loss.probabilityGradient(layer: "b.attn2") == nil)
    }

    @Test func laterCapturesOfALayerAreIgnoredUntilReset() throws {
        let loss = try ConceptAttentionLoss(tokenPositions: [[1], [2]], tokenCount: 4)
        loss.capture(layer: "a.attn2", probabilities: Self.probabilities)
        let first = loss.loss
        loss.capture(layer: "a.attn2", probabilities: Self.probabilities * 2)
        #expect(loss.loss == first)
        #expect(loss.attentionMass.count == 1)
        loss.capture(layer: "b.attn2", probabilities: Self.probabilities)
        #expect(abs(Double(loss.loss) - Double(first) * 2.squareRoot()) <= 1e-6)
        loss.reset()
        #expect(loss.loss == 0)
        #expect(loss.probabilityGradient(layer: "a.attn2") == nil)
        loss.capture(layer: "a.attn2", probabilities: Self.probabilities * 2)
        #expect(abs(Double(loss.loss) - 2 * Double(first)) <= 1e-6)
    }

    @Test func badPositionsAreNamed() throws {
        #expect(throws: ConceptAttentionLossError.positionOutOfRange(sample: 1, position: 77, tokenCount: 77)) {
            try ConceptAttentionLoss(tokenPositions: [[2], [77]])
        }
        #expect(throws: ConceptAttentionLossError.noSamples) { try ConceptAttentionLoss(tokenPositions: []) }
        #expect(throws: ConceptAttentionLossError.noPositions) { try ConceptAttentionLoss(tokenPositions: [[], []]) }
        let loss = try ConceptAttentionLoss(tokenPositions: [[3, 3, 1]])
        #expect(loss.tokenPositions == [[1, 3]])
        #expect(throws: ConceptAttentionLossError.positionOutOfRange(sample: 0, position: -1, tokenCount: 77)) {
            try loss.reset(tokenPositions: [[-1]])
        }
        #expect("\(ConceptAttentionLossError.positionOutOfRange(sample: 1, position: 77, tokenCount: 77))".contains("77 tokens"))
    }

    // MARK: Through the UNet

    /// One Forget-Me-Not step's gradients: forward with the hook on every attn2, backward from a zero output gradient.
    struct Step {
        let loss: ConceptAttentionLoss
        let sampleGradient: Tensor
        let contextGradient: Tensor
        let gradients: ParameterGradients
        let tape: ActivationTape
    }

    static func step(_ pipeline: String, selection: ParameterSelection,
                     checkpointing: GradientCheckpointing = .none) throws -> Step {
        let (model, store) = try ConceptAttentionFixtures.model(pipeline)
        let references = try ConceptAttentionFixtures.references(pipeline)
        let positions = try (0..<2).map { try references.int64Values(named: "fmn.positions.\($0)").map { Int($0) } }
        let text = try references.tensor(named: "inputs.encoder_hidden_states")
        let loss = try ConceptAttentionLoss(tokenPositions: positions, tokenCount: text.shape[1])
        let tape = ActivationTape(checkpointing: checkpointing)
        loss.register(on: tape.hooks)
        let gradients = try ParameterGradients(store: store, selection: selection, modelName: "the \(pipeline) UNet")
        let output = try model.forward(
            sample: references.tensor(named: "inputs.sample"), timesteps: references.tensor(named: "inputs.timesteps").toArray(),
            encoderHiddenStates: text, tape: tape)
        let inputs = model.backward(Tensor(zeros: output.shape), tape: tape, gradients: gradients)
        return Step(loss: loss, sampleGradient: try #require(inputs.sample),
                    contextGradient: try #require(inputs.encoderHiddenStates), gradients: gradients, tape: tape)
    }

    @Test(arguments: [("sd1-tiny", "all"), ("sd2-tiny", "attn2")])
    func matchesForgetMeNotThroughTheUNet(pipeline: String, trained: String) throws {
        let references = try ConceptAttentionFixtures.references(pipeline)
        let step = try Self.step(pipeline, selection: ParameterSelection([trained]))
        #expect(step.tape.count == 0)

        let expectedLoss = try references.tensor(named: "fmn.loss").scalarValue
        let lossError = abs(Double(step.loss.loss) - Double(expectedLoss)) / Double(expectedLoss)
        #expect(lossError <= 1e-4)
        // One capture per cross-attention layer, each layer's mass as upstream's probabilities give it.
        let massNames = references.tensorNames.filter { $0.hasPrefix("fmn.mass.") }
        #expect(step.loss.attentionMass.count == massNames.count)
        var worstMass = 0.0
        for (layer, mass) in step.loss.attentionMass {
            let expected = try references.tensor(named: "fmn.mass.\(layer)").scalarValue
            worstMass = max(worstMass, abs(Double(mass) - Double(expected)) / Double(expected))
        }
        #expect(worstMass <= 1e-4)

        var worst = (error: 0.0, name: "")
        func compare(_ actual: Tensor, _ key: String) throws {
            let error = RelativeError(actual, try references.tensor(named: key)).value
            if error >= worst.error { worst = (error, key) }
            #expect(error <= 1e-3, "\(key): \(error)")
        }
        try compare(step.contextGradient, "fmn.grad.encoder_hidden_states")
        try compare(step.sampleGradient, "fmn.grad.sample")
        let referenceNames = references.tensorNames.filter { $0.hasPrefix("fmn.grad.") && !$0.hasSuffix(".sample")
            && !$0.hasSuffix(".encoder_hidden_states") }
        #expect(step.gradients.entries.count == referenceNames.count)
        for entry in step.gradients.entries {
            try compare(try #require(step.gradients.gradient(named: entry.name)), "fmn.grad.\(entry.name)")
        }
        print("\(pipeline) Forget-Me-Not (\(trained)): loss \(step.loss.loss) vs \(expectedLoss) (relative \(lossError)), "
              + "mass worst \(worstMass), gradients worst \(String(format: "%.3e", worst.error)) at \(worst.name) "
              + "over \(step.gradients.entries.count + 2) tensors")
    }

    @Test func crossAttentionSelectionGivesTheSameCrossAttentionGradients() throws {
        let all = try Self.step("sd1-tiny", selection: .all)
        let crossAttention = try Self.step("sd1-tiny", selection: ParameterSelection([ConceptAttentionLoss.layerPattern]))
        #expect(crossAttention.loss.loss == all.loss.loss)
        #expect(!crossAttention.gradients.entries.isEmpty)
        #expect(crossAttention.gradients.entries.allSatisfy { $0.name.contains(".attn2.") })
        var worst = 0.0
        for entry in crossAttention.gradients.entries {
            let selected = try #require(crossAttention.gradients.gradient(named: entry.name))
            let whole = try #require(all.gradients.gradient(named: entry.name))
            worst = max(worst, RelativeError(selected, whole).value)
        }
        print("attn2 only vs all: worst attn2 gradient difference \(worst)")
        #expect(worst <= 1e-6)
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func checkpointingRecapturesWithoutChangingTheLoss(pipeline: String) throws {
        let plain = try Self.step(pipeline, selection: .all)
        let checkpointed = try Self.step(pipeline, selection: .all, checkpointing: .blocks)
        #expect(checkpointed.tape.count == 0)
        #expect(checkpointed.loss.loss == plain.loss.loss)
        #expect(checkpointed.loss.attentionMass.map(\.layer) == plain.loss.attentionMass.map(\.layer))
        let worst = [RelativeError(checkpointed.gradients.flat, plain.gradients.flat).value,
                     RelativeError(checkpointed.contextGradient, plain.contextGradient).value,
                     RelativeError(checkpointed.sampleGradient, plain.sampleGradient).value].max() ?? 0
        print("\(pipeline) Forget-Me-Not checkpointed vs plain: worst \(worst); peak saved floats "
              + "\(checkpointed.tape.peakSavedElements) vs \(plain.tape.peakSavedElements)")
        #expect(worst <= 1e-6)
        #expect(checkpointed.tape.peakSavedElements < plain.tape.peakSavedElements)
    }
}
