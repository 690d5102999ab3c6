import LetheTensor

extension CLIPTextMLP {
    /// The forward pass of `callAsFunction`, saving fc1's input, the activation's input and fc2's input.
    public func forward(_ input: Tensor, tape: ActivationTape?) -> Tensor {
        let hidden = fc1.forward(input, tape: tape)
        tape?.save(hidden)
        return fc2.forward(activation(hidden), tape: tape)
    }

    /// dL/d(input) from dL/d(output); accumulates fc1's and fc2's weight gradients if they train.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let activatedGradient = requireInputGradient(fc2.backward(outputGradient, tape: tape, gradients: gradients))
        let hidden: Tensor = tape.restore()
        let hiddenGradient = activation.backward(activatedGradient, input: hidden)
        return requireInputGradient(fc1.backward(hiddenGradient, tape: tape, gradients: gradients))
    }
}

/// The input gradient a backward call returns when asked for one (nil only when not asked).
private func requireInputGradient(_ gradient: Tensor?) -> Tensor {
    guard let gradient else { preconditionFailure("a backward pass asked for an input gradient returned none") }
    return gradient
}
