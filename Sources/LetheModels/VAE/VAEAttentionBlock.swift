import LetheTensor

/// The attention of the VAE's mid block, a diffusers `Attention` with `group_norm`, one head over all channels and
/// a residual connection: x + to_out(attention(group_norm(x) as H·W tokens)).
public struct VAEAttentionBlock: Sendable {
    public let groupNorm: GroupNorm
    public let attention: Attention

    /// Loads `NAME.group_norm` and the projections, under their current names (`to_q`, `to_k`, `to_v`, `to_out.0`)
    /// or, in checkpoints saved before diffusers 0.14, `query`, `key`, `value`, `proj_attn` (which diffusers renames).
    public init(_ store: WeightStore, name: String, channels: Int, groups: Int, epsilon: Float) throws {
        groupNorm = try GroupNorm(store, "\(name).group_norm", groups: groups, channels: channels, epsilon: epsilon)
        let legacy = !store.checkpointHas("\(name).to_q.weight")
            && store.checkpointHas("\(name).query.weight")
        attention = try Attention(store, name: name, kind: .selfAttention, queryDimension: channels, contextDimension: channels,
                                  heads: 1, headDimension: channels, projectionBias: true,
                                  weightNames: legacy ? .legacy : .current)
    }
}

extension VAEAttentionBlock {
    /// [B, C, H, W] → [B, C, H, W]: x + to_out(attention(group_norm(x) as H·W tokens)), saving what the group
    /// norm and the attention need.
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let tokens = groupNorm.forward(input, tape: tape).reshaped([batch, channels, height * width]).permuted([0, 2, 1])
        let attended = attention.forward(tokens, context: nil, tape: tape)
        return attended.permuted([0, 2, 1]).reshaped([batch, channels, height, width]) + input
    }

    /// dL/d(input) from dL/d(output) [B, C, H, W]; the residual adds the output gradient through.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let (batch, channels, height, width) = (outputGradient.shape[0], outputGradient.shape[1],
                                                outputGradient.shape[2], outputGradient.shape[3])
        let tokensGradient = outputGradient.reshaped([batch, channels, height * width]).permuted([0, 2, 1]).contiguous()
        let attended = attention.backward(tokensGradient, tape: tape, gradients: gradients).hiddenStates
        let normalizedGradient = attended.permuted([0, 2, 1]).contiguous().reshaped([batch, channels, height, width])
        let inputGradient = groupNorm.backward(normalizedGradient, tape: tape, gradients: gradients)
        inputGradient.addInPlace(outputGradient)
        return inputGradient
    }
}
