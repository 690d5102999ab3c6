import LetheTensor

/// diffusers' `UNetMidBlock2DCrossAttn`: a resnet, then (Transformer2DModel, resnet) pairs.
public struct UNetMidBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]

    init(_ store: WeightStore, _ prefix: String, _ plan: UNetArchitecture.MidBlock, timeEmbeddingChannels: Int,
         groups: Int, epsilon: Float, outputScaleFactor: Float, useLinearProjection: Bool) throws {
        resnets = try (0..<2).map {
            try ResnetBlock2D(store, "\(prefix).resnets.\($0)", inChannels: plan.channels, outChannels: plan.channels,
                              timeEmbeddingChannels: timeEmbeddingChannels, groups: groups, epsilon: epsilon,
                              outputScaleFactor: outputScaleFactor)
        }
        attentions = [try Transformer2DModel(
            store, "\(prefix).attentions.0", channels: plan.channels, heads: plan.heads, layers: plan.transformerLayers,
            crossAttentionDimension: plan.crossAttentionDimension, groups: groups, useLinearProjection: useLinearProjection)]
    }

    public func callAsFunction(_ input: Tensor, timeEmbedding: Tensor, context: Tensor) -> Tensor {
        forward(input, timeEmbedding: timeEmbedding, context: context, tape: nil)
    }

    public var attentionLayers: [Attention] { attentions.flatMap(\.attentionLayers) }
}
