import Foundation
import LetheModels
import LetheTensor

/// torch.optim.AdamW (amsgrad and maximize off), value for value.
///
/// Each step, for every trained value p with gradient g (torch's single-tensor CPU path, in its float32 operations
/// and order; Python-float constants are formed in double precision and rounded to float32 where torch does):
///
///     p ← p · (1 − lr·wd)                                   (decoupled weight decay, skipped when wd = 0)
///     m ← lerp(m, g, 1 − β₁)                                (fused: m + w·(g − m), or g + (w − 1)·(g − m) for w ≥ ½)
///     v ← v·β₂ + (1 − β₂)·g·g                               (the last multiply-add fused)
///     p ← p + (−lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Matches torch bit for bit (m and v always) except where torch's CPU float32 square root (MKL's vector square
/// root, not correctly rounded) is an ulp off the correctly rounded one used here: then p can differ by an ulp, and
/// such ulps carry into later steps (2 ulp, 5e-8 relative, after 6 steps in the tests).
public final class AdamW: Optimizer {
    /// torch's default learning rate for AdamW.
    public static let defaultLearningRate = 1e-3

    public let name = "AdamW"
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    public private(set) var stepCount = 0
    private let buffers: OptimizerStateBuffers

    /// An optimizer for `gradients`' layout with torch's defaults unless given. Throws for values torch refuses:
    /// β outside [0, 1), negative or non-finite ε or weight decay.
    public init(for gradients: ParameterGradients, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 1e-2) throws(OptimizationError) {
        for (label, beta) in [("beta1", beta1), ("beta2", beta2)] where !(beta >= 0 && beta < 1) {
            throw .invalidHyperparameter(optimizer: "AdamW", name: label, value: beta, expected: "in [0, 1)")
        }
        guard epsilon >= 0, epsilon.isFinite else {
            throw .invalidHyperparameter(optimizer: "AdamW", name: "epsilon", value: epsilon, expected: "finite and ≥ 0")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw .invalidHyperparameter(optimizer: "AdamW", name: "weight decay", value: weightDecay,
                                         expected: "finite and ≥ 0")
        }
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        buffers = OptimizerStateBuffers(optimizer: "AdamW", names: ["exp_avg", "exp_avg_sq"], count: gradients.count)
    }

    /// "exp_avg" (the first moment m) and "exp_avg_sq" (the second moment v).
    public var state: [String: Tensor] { buffers.tensors }

    public func restore(state: [String: Tensor], stepCount: Int) throws(OptimizationError) {
        try buffers.restore(from: state, stepCount: stepCount)
        self.stepCount = stepCount
    }

    public func step(gradients: ParameterGradients, learningRate: Double) {
        precondition(gradients.count == buffers.count, "AdamW made for \(buffers.count) values stepped with \(gradients.count)")
        precondition(learningRate >= 0 && learningRate.isFinite, "learning rate \(learningRate) is not finite and ≥ 0")
        stepCount += 1
        let step = Double(stepCount)
        let biasCorrection1 = 1 - pow(beta1, step)
        let biasCorrection2 = 1 - pow(beta2, step)
        let constants = Constants(
            decay: weightDecay == 0 ? 1 : Float(1 - learningRate * weightDecay),
            firstWeight: Float(1 - beta1),
            beta2: Float(beta2),
            secondWeight: Float(1 - beta2),
            negativeStepSize: Float(-(learningRate / biasCorrection1)),
            biasCorrection2Root: Float(pow(biasCorrection2, 0.5)),
            epsilon: Float(epsilon))
        let (parameters, gradient) = (gradients.parameters, gradients.storage)
        let (average, squareAverage) = (buffers.storage("exp_avg"), buffers.storage("exp_avg_sq"))
        // Blocks of the segments shared out over the cores: each value's update reads only its own parameter,
        // gradient and moments, so the result does not depend on the split (860 M values: 3.9 s on one core).
        let blocks = gradients.segments.flatMap { segment in
            stride(from: 0, to: segment.count, by: Self.parallelBlock).map { (segment, $0) }
        }
        BLASThreads.parallel(tasks: blocks.count) { _, task in
            let (segment, start) = blocks[task]
            let offset = segment.gradientOffset + start
            Self.update(parameters.base + segment.parameterOffset + start, gradient.base + offset, average.base + offset,
                        squareAverage.base + offset, count: Swift.min(Self.parallelBlock, segment.count - start), constants)
        }
    }
}
