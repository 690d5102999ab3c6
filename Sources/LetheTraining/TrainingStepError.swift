/// A training step that cannot go on.
public enum TrainingStepError: Error, CustomStringConvertible, Equatable {
    /// The loss is NaN or infinite (diverged, or NaN in the inputs or weights).
    case nonFiniteLoss(step: Int, loss: Double)
    /// The gradients hold NaN or infinity; the step is skipped rather than writing them into the weights.
    case nonFiniteGradient(step: Int, norm: Double)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let step, let loss):
            "The loss at step \(step) is \(loss): training diverged or an input holds NaN; the weights were not updated."
        case .nonFiniteGradient(let step, let norm):
            "The gradient norm at step \(step) is \(norm): a gradient holds NaN or infinity; the weights were not updated."
        }
    }
}
