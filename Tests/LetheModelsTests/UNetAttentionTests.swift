import Foundation
import LetheTestSupport
import Testing
import LetheModels
import LetheTensor

/// The blockwise forward pass of an attention layer against its whole-tensor steps and a float64 evaluation.
@Suite struct UNetAttentionTests {
    @Test func blockwiseForwardMatchesTheExplicitSteps() throws {
        let model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd2-tiny")))
        let attention = try #require(model.attentionLayers.first { $0.name == "down_blocks.1.attentions.0.transformer_blocks.0.attn2" })
        let references = try Fixture.references("sd2-tiny")
        let text = try references.tensor(named: "text.last_hidden_state").narrowed(axis: 0, start: 0, length: 2)
        // Queries from the sample, widened to the layer's 32 channels.
        let sample = try references.tensor(named: "unet.sample").reshaped([2, 4, 64]).permuted([0, 2, 1])
        let hidden = Tensor.concatenate(Array(repeating: sample, count: 8), axis: 2)
        let output = attention.forward(hidden, context: text)

        let query = attention.splitHeads(attention.toQuery.forward(hidden))
        let key = attention.splitHeads(attention.toKey.forward(text)), value = attention.splitHeads(attention.toValue.forward(text))
        let probabilities = attention.probabilities(query: query, key: key)
        #expect(probabilities.shape == [8, 64, 77])
        let stepwise = attention.toOut.forward(attention.attend(probabilities: probabilities, value: value))
        #expect(RelativeError(output, stepwise).value < 1e-6)

        // Float64 from the definition for slice 5 (sample 1, head 1), query position 5; head dimension 8.
        let (slice, position, d) = (5, 5, attention.headDimension)
        let q = query[index: slice], k = key[index: slice]
        let scores = (0..<77).map { j in
            (0..<d).reduce(0.0) { $0 + Double(q[position, $1]) * Double(k[j, $1]) } / Double(d).squareRoot()
        }
        let top = scores.max()!
        let exps = scores.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        for j in 0..<77 { #expect(abs(Double(probabilities[slice, position, j]) - exps[j] / total) < 1e-6) }
    }
}
