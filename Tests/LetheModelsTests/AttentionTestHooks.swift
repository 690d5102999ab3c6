import LetheModels
import LetheTensor

/// Keeps a copy of the probabilities every hooked layer shows it.
final class ProbabilityRecorder: AttentionHook {
    private(set) var captured: [String: Tensor] = [:]
    /// The layers whose backward pass asked for a probability gradient (none is added), in order.
    private(set) var backedThrough: [String] = []

    func capture(layer: String, probabilities: Tensor) {
        captured[layer] = probabilities.copy()
    }

    func probabilityGradient(layer: String) -> Tensor? {
        backedThrough.append(layer)
        return nil
    }
}

/// Adds, for every hooked layer, the L2 norm of its probabilities at the chosen token positions
/// (‖P[:, :, :, tokens]‖₂, the attention re-steering term of Forget-Me-Not) to the loss: d/dP = P / ‖·‖ at those
/// positions, zero elsewhere.
final class TokenNormHook: AttentionHook {
    let tokens: [Int]
    private(set) var captured: [String: Tensor] = [:]

    init(tokens: [Int]) {
        self.tokens = tokens
    }

    func capture(layer: String, probabilities: Tensor) {
        captured[layer] = probabilities.copy()
    }

    func probabilityGradient(layer: String) -> Tensor? {
        guard let probabilities = captured[layer] else { return nil }
        let width = probabilities.shape[3]
        let rows = probabilities.count / width
        let values = probabilities.toArray()
        var squares = 0.0
        for row in 0..<rows {
            for token in tokens { squares += Double(values[row * width + token]) * Double(values[row * width + token]) }
        }
        let norm = squares.squareRoot()
        var gradient = [Float](repeating: 0, count: values.count)
        for row in 0..<rows {
            for token in tokens { gradient[row * width + token] = Float(Double(values[row * width + token]) / norm) }
        }
        return Tensor(shape: probabilities.shape, values: gradient)
    }
}
