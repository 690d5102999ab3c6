import Foundation
import LetheTensor

/// The judge's training loss and its gradient with respect to the logits: per image, the binary cross-entropy of
/// every shape label and every colour label (summed over the labels) plus the cross-entropy of the artist;
/// averaged over the batch.
///
/// Summing over a multi-label head's labels (not averaging) weighs one wrong shape like one wrong artist: each
/// label is its own yes/no question, and an average over ten labels would train the shape and colour heads ten
/// times more slowly than the artist's.
public enum JudgeLoss {
    public struct Value: Sendable {
        /// The batch-mean loss and its three parts.
        public let loss: Double
        public let shape: Double
        public let color: Double
        public let artist: Double
        public let gradient: WorldJudgeOutput.Gradient
    }

    public static func evaluate(_ output: WorldJudgeOutput, targets: JudgeTargets) -> Value {
        let batch = targets.count
        precondition(output.shapeLogits.shape[0] == batch, "\(output.shapeLogits.shape[0]) images, \(batch) targets")
        let scale = 1 / Double(batch)
        let (shapeLoss, shapeGradient) = binaryCrossEntropy(output.shapeLogits, targets.shapes, scale: scale)
        let (colorLoss, colorGradient) = binaryCrossEntropy(output.colorLogits, targets.colors, scale: scale)
        let (artistLoss, artistGradient) = crossEntropy(output.artistLogits, targets.artists, scale: scale)
        return Value(loss: shapeLoss + colorLoss + artistLoss, shape: shapeLoss, color: colorLoss, artist: artistLoss,
                     gradient: WorldJudgeOutput.Gradient(shapeLogits: shapeGradient, colorLogits: colorGradient,
                                                         artistLogits: artistGradient))
    }

    /// scale · Σ BCE(σ(z), y) in the stable form max(z, 0) − z·y + log(1 + e^−|z|); its gradient scale · (σ(z) − y).
    static func binaryCrossEntropy(_ logits: Tensor, _ targets: Tensor, scale: Double) -> (Double, Tensor) {
        let z = logits.contiguous(), y = targets.contiguous()
        let gradient = Tensor(zeros: logits.shape)
        var total = 0.0
        for index in 0..<z.count {
            let value = Double(z.pointer[index]), target = Double(y.pointer[index])
            total += max(value, 0) - value * target + log1p(exp(-abs(value)))
            gradient.pointer[index] = Float(scale * (1 / (1 + exp(-value)) - target))
        }
        return (scale * total, gradient)
    }

    /// scale · Σ over rows of −log softmax(z)[label]; its gradient scale · (softmax(z) − onehot).
    static func crossEntropy(_ logits: Tensor, _ labels: [Int], scale: Double) -> (Double, Tensor) {
        let width = logits.shape[1]
        let z = logits.contiguous()
        let gradient = Tensor(zeros: logits.shape)
        var total = 0.0
        for (row, label) in labels.enumerated() {
            let values = (0..<width).map { Double(z.pointer[row * width + $0]) }
            let maximum = values.max()!
            let exponentials = values.map { exp($0 - maximum) }
            let sum = exponentials.reduce(0, +)
            total += log(sum) + maximum - values[label]
            for column in 0..<width {
                let probability = exponentials[column] / sum
                gradient.pointer[row * width + column] = Float(scale * (probability - (column == label ? 1 : 0)))
            }
        }
        return (scale * total, gradient)
    }
}
