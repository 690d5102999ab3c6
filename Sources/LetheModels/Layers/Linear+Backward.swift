import LetheTensor

extension Linear {
    /// The forward pass, saving its input on the tape.
    public func forward(_ input: Tensor, tape: ActivationTape?) -> Tensor {
        tape?.save(input)
        return self(input)
    }

    /// dL/d(input) from dL/d(output); accumulates the weight and bias gradients if they train.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         computeInputGradient: Bool = true) -> Tensor? {
        let input: Tensor = tape.restore()
        return outputGradient.linearBackward(
            input: input, weight: weight, weightGradient: gradients.gradient(for: weight),
            biasGradient: bias.flatMap(gradients.gradient(for:)), computeInputGradient: computeInputGradient)
    }
}
