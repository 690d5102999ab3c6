import LetheModels
import LetheTensor
import LetheWorld
import Testing

/// The judge's backward pass (every layer, the pool, the three heads and the loss) against central differences
/// of the loss itself, on a tiny judge with its default initial weights.
@Suite("The judge's gradients")
struct WorldJudgeGradientTests {
    /// The loss of `judge` on the batch, in float64 from the float32 logits.
    private func loss(_ judge: WorldJudge, _ images: Tensor, _ targets: JudgeTargets) -> Double {
        JudgeLoss.evaluate(judge.forward(images), targets: targets).loss
    }

    /// Central differences of the loss in `values` at the coordinates where the backward pass found the largest
    /// gradients, and along one random direction over all of them (where every coordinate counts).
    private func checkGradient(of values: Tensor, gradient: Tensor, name: String, step: Float,
                               loss: () -> Double) {
        let analytic = gradient.toArray()
        let largest = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(3)
        for index in largest {
            let original = values.pointer[index]
            values.pointer[index] = original + step
            let above = loss()
            values.pointer[index] = original - step
            let below = loss()
            values.pointer[index] = original
            let numeric = (above - below) / (2 * Double(step))
            let error = abs(numeric - Double(analytic[index])) / max(abs(numeric), 1e-3)
            #expect(error < 0.03, "\(name)[\(index)]: backward \(analytic[index]), differences \(numeric)")
        }
        // A unit direction: the step moves the point by `step` in all, as it moves one coordinate above.
        let draws = RandomStream(seed: 5, purpose: "direction", id: 0).normalFloats(count: values.count)
        let length = draws.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let direction = draws.map { $0 / length }
        let original = values.toArray()
        func moved(_ scale: Float) -> Double {
            for index in 0..<values.count { values.pointer[index] = original[index] + scale * direction[index] }
            return loss()
        }
        let numeric = (moved(step) - moved(-step)) / (2 * Double(step))
        for index in 0..<values.count { values.pointer[index] = original[index] }
        let projected = zip(analytic, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let error = abs(numeric - projected) / max(abs(numeric), 1e-3)
        #expect(error < 0.03, "\(name) along a random direction: backward \(projected), differences \(numeric)")
    }

    @Test("Backward matches central differences of the loss for parameters of every kind and for the input")
    func backwardMatchesDifferences() throws {
        let (judge, store) = try WorldJudge.initialized(configuration: tinyJudgeConfiguration, seed: 3)
        let (images, targets) = try judgeBatch([0, 1, 2, 3])
        let gradients = try ParameterGradients(store: store, selection: .all, modelName: "the judge")
        let tape = ActivationTape()
        let value = JudgeLoss.evaluate(judge.forward(images, tape: tape), targets: targets)
        let inputGradient = try #require(judge.backward(value.gradient, tape: tape, gradients: gradients,
                                                        computeInputGradient: true))
        #expect(tape.count == 0)
        #expect(abs(value.loss - loss(judge, images, targets)) < 1e-9, "the training forward pass computes the same loss")
        let parameters = Dictionary(uniqueKeysWithValues: judge.namedParameters.map { ($0.name, $0.tensor) })
        for name in ["stem.conv.weight", "stem.norm.weight", "stages.0.residual.conv1.bias", "stages.1.residual.norm2.weight", "stages.1.downsample.conv.weight",
                     "stages.1.downsample.norm.bias", "shape_head.weight", "color_head.bias", "artist_head.weight"] {
            let values = try #require(parameters[name]), gradient = try #require(gradients.gradient(named: name))
            checkGradient(of: values, gradient: gradient, name: name, step: 2e-3) { loss(judge, images, targets) }
        }
        checkGradient(of: images, gradient: inputGradient, name: "images", step: 2e-3) { loss(judge, images, targets) }
    }

    @Test("The loss's logit gradients are the derivatives of the loss (binary and softmax cross-entropy)")
    func lossGradient() throws {
        let logits = RandomStream(seed: 9, purpose: "logits", id: 0).normalTensor(shape: [3, 10])
        let features = Tensor(zeros: [3, 1])
        let (_, targets) = try judgeBatch([4, 5, 6])
        func value(_ shape: Tensor, _ color: Tensor, _ artist: Tensor) -> JudgeLoss.Value {
            JudgeLoss.evaluate(WorldJudgeOutput(features: features, shapeLogits: shape, colorLogits: color, artistLogits: artist),
                               targets: targets)
        }
        let (shape, color, artist) = (logits.copy(), (logits * 2).copy(), (logits * -1.5).copy())
        let gradient = value(shape, color, artist).gradient
        for (values, analytic, name) in [(shape, gradient.shapeLogits, "shape"), (color, gradient.colorLogits, "colour"),
                                         (artist, gradient.artistLogits, "artist")] {
            for index in 0..<values.count {
                let original = values.pointer[index]
                values.pointer[index] = original + 1e-3
                let above = value(shape, color, artist).loss
                values.pointer[index] = original - 1e-3
                let below = value(shape, color, artist).loss
                values.pointer[index] = original
                let numeric = (above - below) / 2e-3
                #expect(abs(numeric - Double(analytic.pointer[index])) < 2e-4, "\(name) logit \(index)")
            }
        }
        // Saying confidently that nothing is there costs about 20 per object missed; the loss does not saturate.
        let absent = Tensor(shape: [3, 10], repeating: -20)
        let wrong = value(absent, absent, absent)
        #expect(wrong.shape > 19 && wrong.color > 19 && wrong.shape.isFinite)
    }
}
