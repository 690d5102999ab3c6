import LetheTensor

extension CLIPTextEncoderLayer {
    /// The forward pass of `callAsFunction(_:mask:)`: x + attn(ln1(x)), then h + mlp(ln2(h)), each part saving what
    /// its backward pass needs.
    public func forward(_ hiddenStates: Tensor, mask: CLIPTextAttentionMask, tape: ActivationTape?) -> Tensor {
        let attended = selfAttention.forward(layerNorm1.forward(hiddenStates, tape: tape), mask: mask, tape: tape)
        attended.addInPlace(hiddenStates)
        let output = mlp.forward(layerNorm2.forward(attended, tape: tape), tape: tape)
        output.addInPlace(attended)
        return output
    }

    /// dL/d(hidden states) from dL/d(output); the residual paths add the output gradient through.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let attendedGradient = layerNorm2.backward(mlp.backward(outputGradient, tape: tape, gradients: gradients),
                                                   tape: tape, gradients: gradients)
        attendedGradient.addInPlace(outputGradient)
        let inputGradient = layerNorm1.backward(
            selfAttention.backward(attendedGradient, tape: tape, gradients: gradients), tape: tape, gradients: gradients)
        inputGradient.addInPlace(attendedGradient)
        return inputGradient
    }
}
