import LetheTensor

extension GroupNorm {
    /// The forward pass, saving its input on the tape (the statistics are recomputed in the backward pass).
    public func forward(_ input: Tensor, tape: ActivationTape?) -> Tensor {
        tape?.save(input)
        return self(input)
    }

    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let input: Tensor = tape.restore()
        return outputGradient.groupNormBackward(
            input: input, groups: groups, weight: weight, epsilon: epsilon,
            weightGradient: gradients.gradient(for: weight), biasGradient: gradients.gradient(for: bias))
    }
}

extension LayerNorm {
    /// The forward pass, saving its input on the tape.
    public func forward(_ input: Tensor, tape: ActivationTape?) -> Tensor {
        tape?.save(input)
        return self(input)
    }

    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let input: Tensor = tape.restore()
        return outputGradient.layerNormBackward(
            input: input, weight: weight, epsilon: epsilon,
            weightGradient: gradients.gradient(for: weight), biasGradient: gradients.gradient(for: bias))
    }
}
