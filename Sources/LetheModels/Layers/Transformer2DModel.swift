import LetheTensor

/// diffusers' `Transformer2DModel` on continuous input, as the UNet's attention blocks use it: group norm, proj_in
/// (1×1 convolution, or linear with `use_linear_projection`), transformer blocks over the H·W positions, proj_out,
/// plus the input.
public struct Transformer2DModel: Sendable {
    public let norm: GroupNorm
    public let projectInConvolution: Conv2D?
    public let projectInLinear: Linear?
    public let transformerBlocks: [BasicTransformerBlock]
    public let projectOutConvolution: Conv2D?
    public let projectOutLinear: Linear?

    /// Loads `PREFIX.{norm, proj_in, transformer_blocks.N, proj_out}` for `channels` input channels split into
    /// `heads` heads of channels/heads (diffusers' `out_channels // num_attention_heads`).
    public init(_ store: WeightStore, _ prefix: String, channels: Int, heads: Int, layers: Int,
                crossAttentionDimension: Int, groups: Int, useLinearProjection: Bool,
                activation: FeedForward.Activation = .geglu) throws {
        let headDimension = channels / heads
        let inner = heads * headDimension
        norm = try GroupNorm(store, "\(prefix).norm", groups: groups, channels: channels, epsilon: 1e-6)
        if useLinearProjection {
            projectInLinear = try Linear(store, "\(prefix).proj_in", inFeatures: channels, outFeatures: inner)
            projectInConvolution = nil
        } else {
            projectInConvolution = try Conv2D(store, "\(prefix).proj_in", inChannels: channels, outChannels: inner, kernel: 1)
            projectInLinear = nil
        }
        transformerBlocks = try (0..<layers).map {
            try BasicTransformerBlock(store, "\(prefix).transformer_blocks.\($0)", width: inner, heads: heads,
                                      headDimension: headDimension, crossAttentionDimension: crossAttentionDimension,
                                      activation: activation)
        }
        if useLinearProjection {
            projectOutLinear = try Linear(store, "\(prefix).proj_out", inFeatures: inner, outFeatures: channels)
            projectOutConvolution = nil
        } else {
            projectOutConvolution = try Conv2D(store, "\(prefix).proj_out", inChannels: inner, outChannels: channels, kernel: 1)
            projectOutLinear = nil
        }
    }

    /// input [B, C, H, W], context [B, M, crossAttentionDimension] → [B, C, H, W].
    public func callAsFunction(_ input: Tensor, context: Tensor) -> Tensor {
        forward(input, context: context, tape: nil)
    }

    public var attentionLayers: [Attention] { transformerBlocks.flatMap(\.attentionLayers) }
}
