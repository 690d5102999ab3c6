import LetheTensor

/// diffusers' `CrossAttnUpBlock2D` / `UpBlock2D`: for each resnet, the last saved down-path tensor is
/// concatenated on the channels, then resnet (and Transformer2DModel); then an Upsample2D except in the last block.
public struct UNetUpBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    /// Empty for an UpBlock2D.
    public let attentions: [Transformer2DModel]
    public let upsampler: Upsample2D?

    init(_ store: WeightStore, _ prefix: String, _ plan: UNetArchitecture.UpBlock, timeEmbeddingChannels: Int,
         groups: Int, epsilon: Float, useLinearProjection: Bool) throws {
        resnets = try plan.resnetInChannels.enumerated().map {
            try ResnetBlock2D(store, "\(prefix).resnets.\($0.offset)", inChannels: $0.element, outChannels: plan.outChannels,
                              timeEmbeddingChannels: timeEmbeddingChannels, groups: groups, epsilon: epsilon)
        }
        attentions = plan.hasCrossAttention ? try (0..<plan.resnetInChannels.count).map {
            try Transformer2DModel(store, "\(prefix).attentions.\($0)", channels: plan.outChannels, heads: plan.heads,
                                   layers: plan.transformerLayers, crossAttentionDimension: plan.crossAttentionDimension,
                                   groups: groups, useLinearProjection: useLinearProjection)
        } : []
        upsampler = plan.addsUpsample ? try Upsample2D(store, "\(prefix).upsamplers.0", channels: plan.outChannels) : nil
    }

    /// `skips` holds this block's saved tensors in down-path order (one per resnet; the last is used first);
    /// `upsampleSize` is the spatial size of the next block's first skip connection.
    public func callAsFunction(_ input: Tensor, skips: [Tensor], timeEmbedding: Tensor, context: Tensor,
                               upsampleSize: (height: Int, width: Int)?) -> Tensor {
        forward(input, skips: skips, timeEmbedding: timeEmbedding, context: context, upsampleSize: upsampleSize, tape: nil)
    }

    public var attentionLayers: [Attention] { attentions.flatMap(\.attentionLayers) }
}
