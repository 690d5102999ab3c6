import LetheModels
import LetheTensor

/// torch.optim.SGD (maximize off), value for value.
///
/// Each step, for every trained value p with gradient g (torch's single-tensor CPU path; its `add(…, alpha:)` is a
/// fused multiply-add, and Python-float constants are rounded to float32 where torch does):
///
///     d ← g + wd·p                                  (when wd ≠ 0; the gradient buffer itself is not changed)
///     b ← d on the first step, else b·μ + (1 − τ)·d (when μ ≠ 0; τ is the dampening)
///     d ← d + μ·b with Nesterov momentum, else d ← b
///     p ← p − lr·d
public final class SGD: Optimizer {
    /// torch's default learning rate for SGD.
    public static let defaultLearningRate = 1e-3

    public let name = "SGD"
    public let momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    public let weightDecay: Double
    public private(set) var stepCount = 0
    private let buffers: OptimizerStateBuffers

    /// An optimizer for `gradients`' layout. Throws for values torch refuses: negative or non-finite momentum or
    /// weight decay, non-finite dampening, Nesterov momentum without momentum or with dampening.
    public init(for gradients: ParameterGradients, momentum: Double = 0, dampening: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0) throws(OptimizationError) {
        guard momentum >= 0, momentum.isFinite else {
            throw .invalidHyperparameter(optimizer: "SGD", name: "momentum", value: momentum, expected: "finite and ≥ 0")
        }
        guard dampening.isFinite else {
            throw .invalidHyperparameter(optimizer: "SGD", name: "dampening", value: dampening, expected: "finite")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw .invalidHyperparameter(optimizer: "SGD", name: "weight decay", value: weightDecay,
                                         expected: "finite and ≥ 0")
        }
        if nesterov, momentum <= 0 || dampening != 0 {
            throw .nesterovNeedsMomentumWithoutDampening(momentum: momentum, dampening: dampening)
        }
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        buffers = OptimizerStateBuffers(optimizer: "SGD", names: momentum == 0 ? [] : ["momentum_buffer"],
                                        count: gradients.count)
    }

    /// "momentum_buffer" when there is momentum (meaningful once a step has been taken), else nothing.
    public var state: [String: Tensor] { buffers.tensors }

    public func restore(state: [String: Tensor], stepCount: Int) throws(OptimizationError) {
        try buffers.restore(from: state, stepCount: stepCount)
        self.stepCount = stepCount
    }

    public func step(gradients: ParameterGradients, learningRate: Double) {
        precondition(gradients.count == buffers.count, "SGD made for \(buffers.count) values stepped with \(gradients.count)")
        precondition(learningRate >= 0 && learningRate.isFinite, "learning rate \(learningRate) is not finite and ≥ 0")
        let constants = Constants(
            weightDecay: Float(weightDecay), momentum: Float(momentum), gradientWeight: Float(1 - dampening),
            negativeLearningRate: Float(-learningRate), hasWeightDecay: weightDecay != 0, nesterov: nesterov,
            firstStep: stepCount == 0)
        stepCount += 1
        let parameters = gradients.parameters.base, gradient = gradients.storage.base
        let buffer = momentum == 0 ? nil : buffers["momentum_buffer"]
        let direction = UnsafeMutablePointer<Float>.allocate(capacity: Self.chunk)
        defer { direction.deallocate() }
        for segment in gradients.segments {
            let offset = segment.gradientOffset
            Self.update(parameters + segment.parameterOffset, gradient + offset, buffer.map { $0 + offset },
                        count: segment.count, constants, direction: direction)
        }
    }
}
