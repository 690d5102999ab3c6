import LetheTensor

extension BasicTransformerBlock {
    /// hiddenStates [B, N, width], context [B, M, crossAttentionDimension] → [B, N, width], saving what backward needs.
    public func forward(_ hiddenStates: Tensor, context: Tensor, tape: ActivationTape?) -> Tensor {
        // Each residual sum is added into the sublayer's fresh output, which no tape holds.
        let afterSelf = selfAttention.forward(norm1.forward(hiddenStates, tape: tape), context: nil, tape: tape)
        afterSelf.addInPlace(hiddenStates)
        let afterCross = crossAttention.forward(norm2.forward(afterSelf, tape: tape), context: context, tape: tape)
        afterCross.addInPlace(afterSelf)
        let output = feedForward.forward(norm3.forward(afterCross, tape: tape), tape: tape)
        output.addInPlace(afterCross)
        return output
    }

    /// Gradients with respect to the hidden states and the context.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (hiddenStates: Tensor, context: Tensor) {
        let feedForwardGradient = feedForward.backward(outputGradient, tape: tape, gradients: gradients)
        let afterCross = norm3.backward(feedForwardGradient, tape: tape, gradients: gradients)
        afterCross.addInPlace(outputGradient)
        let cross = crossAttention.backward(afterCross, tape: tape, gradients: gradients)
        guard let context = cross.context else {
            preconditionFailure("\(crossAttention.name): cross-attention backward returned no context gradient")
        }
        let afterSelf = norm2.backward(cross.hiddenStates, tape: tape, gradients: gradients)
        afterSelf.addInPlace(afterCross)
        let selfAttended = selfAttention.backward(afterSelf, tape: tape, gradients: gradients)
        let input = norm1.backward(selfAttended.hiddenStates, tape: tape, gradients: gradients)
        input.addInPlace(afterSelf)
        return (input, context)
    }
}
