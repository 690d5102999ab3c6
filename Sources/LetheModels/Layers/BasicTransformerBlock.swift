import LetheTensor

/// diffusers' `BasicTransformerBlock` as Stable Diffusion uses it (layer norms, no ada-norm): self-attention,
/// cross-attention to the text, a feed-forward (GEGLU unless told otherwise), each on a layer-normed input and added
/// back.
public struct BasicTransformerBlock: Sendable {
    /// The diffusers module path, e.g. `down_blocks.0.attentions.0.transformer_blocks.0`.
    public let name: String
    public let norm1: LayerNorm
    public let selfAttention: Attention
    public let norm2: LayerNorm
    public let crossAttention: Attention
    public let norm3: LayerNorm
    public let feedForward: FeedForward

    /// Loads `PREFIX.{norm1, attn1, norm2, attn2, norm3, ff}` for `width` = heads · headDimension channels.
    public init(_ store: WeightStore, _ prefix: String, width: Int, heads: Int, headDimension: Int,
                crossAttentionDimension: Int, normEpsilon: Float = 1e-5,
                activation: FeedForward.Activation = .geglu) throws {
        name = prefix
        norm1 = try LayerNorm(store, "\(prefix).norm1", width: width, epsilon: normEpsilon)
        selfAttention = try Attention(store, name: "\(prefix).attn1", kind: .selfAttention, queryDimension: width,
                                      contextDimension: width, heads: heads, headDimension: headDimension)
        norm2 = try LayerNorm(store, "\(prefix).norm2", width: width, epsilon: normEpsilon)
        crossAttention = try Attention(store, name: "\(prefix).attn2", kind: .crossAttention, queryDimension: width,
                                       contextDimension: crossAttentionDimension, heads: heads, headDimension: headDimension)
        norm3 = try LayerNorm(store, "\(prefix).norm3", width: width, epsilon: normEpsilon)
        feedForward = try FeedForward(store, "\(prefix).ff", width: width, activation: activation)
    }

    public var attentionLayers: [Attention] { [selfAttention, crossAttention] }
}

extension BasicTransformerBlock {
    /// hiddenStates [B, N, width], context [B, M, crossAttentionDimension] → [B, N, width], saving what backward needs.
    public func forward(_ hiddenStates: Tensor, context: Tensor, tape: ActivationTape? = nil) -> Tensor {
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
        let result = backward(outputGradient, tape: tape, gradients: gradients, needsInputGradient: true)
        guard let hiddenStates = result.hiddenStates else {
            preconditionFailure("\(name): no hidden-state gradient although asked for one")
        }
        return (hiddenStates, result.context)
    }

    /// The backward pass above; without `needsInputGradient`, stops after the cross-attention when nothing before it
    /// trains (the hidden-state gradient is then nil, and what norm1, attn1 and norm2 saved stays on the tape for
    /// the caller to discard), as PyTorch's autograd skips what leads to no trained parameter.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         needsInputGradient: Bool) -> (hiddenStates: Tensor?, context: Tensor) {
        let feedForwardGradient = feedForward.backward(outputGradient, tape: tape, gradients: gradients)
        let afterCross = norm3.backward(feedForwardGradient, tape: tape, gradients: gradients)
        afterCross.addInPlace(outputGradient)
        let cross = crossAttention.backward(afterCross, tape: tape, gradients: gradients)
        guard let context = cross.context else {
            preconditionFailure("\(crossAttention.name): cross-attention backward returned no context gradient")
        }
        guard needsInputGradient || ["norm1", "attn1", "norm2"].contains(where: { gradients.trainsAny(under: "\(name).\($0)") }) else {
            return (nil, context)
        }
        let afterSelf = norm2.backward(cross.hiddenStates, tape: tape, gradients: gradients)
        afterSelf.addInPlace(afterCross)
        let selfAttended = selfAttention.backward(afterSelf, tape: tape, gradients: gradients)
        let input = norm1.backward(selfAttended.hiddenStates, tape: tape, gradients: gradients)
        input.addInPlace(afterSelf)
        return (input, context)
    }
}
