import Foundation
import LetheModels
import LetheTensor
import Testing

/// The pieces of the text encoder against values computed independently in float64.
@Suite("CLIPText layers")
struct CLIPTextLayerTests {
    @Test("activations follow transformers' definitions")
    func activations() {
        let inputs: [Double] = [-3, -1.25, -0.5, 0, 0.3, 1, 2.5]
        let tensor = Tensor(shape: [inputs.count], values: inputs.map(Float.init))
        let expectations: [(CLIPTextActivation, (Double) -> Double)] = [
            (.quickGelu, { $0 / (1 + exp(-1.702 * $0)) }),
            (.gelu, { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }),
            (.geluNew, { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * pow($0, 3)))) }),
            (.geluPyTorchTanh, { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * pow($0, 3)))) }),
        ]
        for (activation, reference) in expectations {
            for (value, input) in zip(activation.forward(tensor).toArray(), inputs) {
                #expect(abs(Double(value) - reference(input)) <= 1e-6, "\(activation) at \(input)")
            }
        }
        #expect(abs(Double(CLIPTextActivation.gelu.forward(Tensor(shape: [1], values: [1])).scalarValue) - 0.8413447460685429) < 1e-6)
    }

    @Test("masked softmax: causal, padded keys, and a query that sees nothing")
    func maskedSoftmax() throws {
        // One sequence, one head, three tokens; key 1 is padding.
        let scores = Tensor(shape: [1, 1, 3, 3], values: [0.5, 9, 9, 1.5, -2, 9, 0.25, 7, -1.75])
        let mask = try CLIPTextAttentionMask(batch: 1, length: 3, paddingMask: [[1, 0, 1]])
        let probabilities = mask.softmax(scores).toArray()
        let (a, b) = (exp(0.25), exp(-1.75))
        let expected: [Double] = [1, 0, 0, 1, 0, 0, a / (a + b), 0, b / (a + b)]
        for (value, reference) in zip(probabilities, expected) { #expect(abs(Double(value) - reference) < 1e-6) }

        // Causal only: row i is the softmax of its first i + 1 scores.
        let causal = CLIPTextAttentionMask(causalBatch: 1, length: 3).softmax(scores).toArray()
        let (c, d) = (exp(1.5), exp(-2.0))
        let (e, f, g) = (exp(0.25), exp(7.0), exp(-1.75))
        let causalExpected: [Double] = [1, 0, 0, c / (c + d), d / (c + d), 0, e / (e + f + g), f / (e + f + g), g / (e + f + g)]
        for (value, reference) in zip(causal, causalExpected) { #expect(abs(Double(value) - reference) < 1e-6) }

        // Left padding: query 0 sees no key and gets all zeros (torch SDPA's result).
        let left = try CLIPTextAttentionMask(batch: 1, length: 3, paddingMask: [[0, 1, 1]]).softmax(scores).toArray()
        #expect(Array(left[0..<3]) == [0, 0, 0])
        #expect(Array(left[3..<6]) == [0, 1, 0])
        #expect(abs(Double(left[7]) - f / (f + g)) < 1e-6 && left[6] == 0)
    }

    @Test("an all-ones padding mask is the causal mask")
    func allOnesMask() throws {
        let mask = try CLIPTextAttentionMask(batch: 2, length: 4, paddingMask: [[1, 1, 1, 1], [5, 1, 1, 1]])
        #expect(mask == CLIPTextAttentionMask(causalBatch: 2, length: 4))
    }

    @Test("token ids from nested arrays of any integer type")
    func tokenIDs() throws {
        let ids = try CLIPTextTokenIDs([[Int32(49406), 320, 49407], [49406, 1, 49407]])
        #expect(ids.batch == 2 && ids.length == 3 && ids.values == [49406, 320, 49407, 49406, 1, 49407])
        #expect(Array(ids.row(1)) == [49406, 1, 49407])
        #expect(try CLIPTextTokenIDs(batch: 2, length: 3, values: [Int64(49406), 320, 49407, 49406, 1, 49407]) == ids)
    }
}
