import LetheModels
import LetheTensor

/// An optimizer over one gradient buffer: it updates the trained values of the parameter arena from their
/// gradients, one segment (a whole parameter or one selected row) at a time, and keeps its state in buffers laid out
/// like the gradient buffer.
///
/// The learning rate is a `Double`, as torch keeps it (a Python float): torch derives float32 constants such as
/// `lr / bias_correction1` from it in double precision, so a float32 learning rate could round them differently.
public protocol Optimizer: AnyObject {
    /// The name messages give ("AdamW", "SGD").
    var name: String { get }

    /// Optimizer steps taken so far (torch's `state["step"]`).
    var stepCount: Int { get }

    /// The state buffers by torch's names ("exp_avg", "exp_avg_sq", "momentum_buffer"), each a 1-D tensor laid out
    /// like the gradient buffer. These are views of the optimizer's own storage: save them with the step count to
    /// checkpoint the optimizer.
    var state: [String: Tensor] { get }

    /// Updates every trained value of `gradients.parameters` from `gradients`, with learning rate `learningRate`
    /// (finite and ≥ 0). `gradients` must be the buffer the optimizer was made for (same layout). The gradients are
    /// read, never changed.
    func step(gradients: ParameterGradients, learningRate: Double)

    /// Replaces the state with a saved one (`state` as it was, and the step count then); the values are copied.
    func restore(state: [String: Tensor], stepCount: Int) throws(OptimizationError)
}
