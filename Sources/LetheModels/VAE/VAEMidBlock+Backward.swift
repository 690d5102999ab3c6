import LetheTensor

extension VAEMidBlock {
    /// The forward pass of `callAsFunction`: resnet, attention (if any), resnet.
    public func forward(_ input: Tensor, tape: ActivationTape?) -> Tensor {
        var x = resnets[0].forward(input, timeEmbedding: nil, tape: tape)
        if let attention { x = attention.forward(x, tape: tape) }
        return resnets[1].forward(x, timeEmbedding: nil, tape: tape)
    }

    /// dL/d(input) from dL/d(output).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        var gradient = resnets[1].backward(outputGradient, tape: tape, gradients: gradients).input
        if let attention { gradient = attention.backward(gradient, tape: tape, gradients: gradients) }
        return resnets[0].backward(gradient, tape: tape, gradients: gradients).input
    }
}
