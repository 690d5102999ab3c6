import LetheTensor

/// diffusers' `CrossAttnDownBlock2D` (a Transformer2DModel after each resnet) or `DownBlock2D` (resnets only),
/// then a stride-2 Downsample2D except in the last block.
public struct UNetDownBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    /// Empty for a DownBlock2D.
    public let attentions: [Transformer2DModel]
    public let downsampler: Downsample2D?

    init(_ store: WeightStore, _ prefix: String, _ plan: UNetArchitecture.DownBlock, timeEmbeddingChannels: Int,
         groups: Int, epsilon: Float, downsamplePadding: Int, useLinearProjection: Bool) throws {
        resnets = try (0..<plan.layers).map {
            try ResnetBlock2D(store, "\(prefix).resnets.\($0)", inChannels: $0 == 0 ? plan.inChannels : plan.outChannels,
                              outChannels: plan.outChannels, timeEmbeddingChannels: timeEmbeddingChannels,
                              groups: groups, epsilon: epsilon)
        }
        attentions = plan.hasCrossAttention ? try (0..<plan.layers).map {
            try Transformer2DModel(store, "\(prefix).attentions.\($0)", channels: plan.outChannels, heads: plan.heads,
                                   layers: plan.transformerLayers, crossAttentionDimension: plan.crossAttentionDimension,
                                   groups: groups, useLinearProjection: useLinearProjection)
        } : []
        downsampler = plan.addsDownsample
            ? try Downsample2D(store, "\(prefix).downsamplers.0", channels: plan.outChannels, padding: downsamplePadding)
            : nil
    }

    /// The block's output and the tensors it saves for the up path (each layer's output, then the downsampled one).
    public func callAsFunction(_ input: Tensor, timeEmbedding: Tensor, context: Tensor) -> (Tensor, [Tensor]) {
        forward(input, timeEmbedding: timeEmbedding, context: context, tape: nil)
    }

    public var attentionLayers: [Attention] { attentions.flatMap(\.attentionLayers) }
}
