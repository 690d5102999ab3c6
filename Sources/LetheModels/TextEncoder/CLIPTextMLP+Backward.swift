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
        let activatedGradient = fc2.inputGradient(outputGradient, tape: tape, gradients: gradients)
        let hidden: Tensor = tape.restore()
        let hiddenGradient = activation.backward(activatedGradient, input: hidden)
        return fc1.inputGradient(hiddenGradient, tape: tape, gradients: gradients)
    }
}
