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

    /// [B, C, H, W] → [B, C, H, W].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        forward(input, tape: nil)
    }
}
