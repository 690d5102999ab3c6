import LetheTensor

/// diffusers' `UNet2DConditionModel` for Stable Diffusion 1.x/2.x: predicts noise (or v) for latents `sample`
/// at `timesteps`, conditioned on the text encoder's hidden states. Layers and weights carry diffusers' names.
public struct UNet2DConditionModel: Sendable {
    public let configuration: UNet2DConditionConfiguration
    public let timeEmbedding: TimestepEmbedding
    public let convIn: Conv2D
    public let downBlocks: [UNetDownBlock]
    public let midBlock: UNetMidBlock
    public let upBlocks: [UNetUpBlock]
    public let convNormOut: GroupNorm
    public let convOut: Conv2D
    /// Every weight, in the order the model loaded them (one buffer; layers hold views of it).
    public let parameters: TensorStorage
    public let parameterCount: Int

    /// Builds the model from a validated config, taking every weight from `store` (the caller runs
    /// `store.finish()` to reject unused checkpoint tensors; `load(from:)` does).
    public init(configuration: UNet2DConditionConfiguration, weights store: WeightStore, source: String = "config.json") throws {
        let plan = try UNetArchitecture(configuration, source: source)
        let epsilon = Float(configuration.normEps)
        let groups = plan.groups
        let channels = configuration.blockOutChannels
        self.configuration = configuration
        convIn = try Conv2D(store, "conv_in", inChannels: configuration.inChannels, outChannels: channels[0],
                            kernel: configuration.convInKernel, padding: (configuration.convInKernel - 1) / 2)
        timeEmbedding = try TimestepEmbedding(store, "time_embedding", inputChannels: plan.timestepChannels,
                                              embeddingChannels: plan.timeEmbeddingChannels)
        downBlocks = try plan.downBlocks.enumerated().map {
            try UNetDownBlock(store, "down_blocks.\($0.offset)", $0.element, timeEmbeddingChannels: plan.timeEmbeddingChannels,
                              groups: groups, epsilon: epsilon, downsamplePadding: configuration.downsamplePadding,
                              useLinearProjection: configuration.useLinearProjection)
        }
        midBlock = try UNetMidBlock(store, "mid_block", plan.midBlock, timeEmbeddingChannels: plan.timeEmbeddingChannels,
                                    groups: groups, epsilon: epsilon, outputScaleFactor: Float(configuration.midBlockScaleFactor),
                                    useLinearProjection: configuration.useLinearProjection)
        upBlocks = try plan.upBlocks.enumerated().map {
            try UNetUpBlock(store, "up_blocks.\($0.offset)", $0.element, timeEmbeddingChannels: plan.timeEmbeddingChannels,
                            groups: groups, epsilon: epsilon, useLinearProjection: configuration.useLinearProjection)
        }
        convNormOut = try GroupNorm(store, "conv_norm_out", groups: groups, channels: channels[0], epsilon: epsilon)
        convOut = try Conv2D(store, "conv_out", inChannels: channels[0], outChannels: configuration.outChannels,
                             kernel: configuration.convOutKernel, padding: (configuration.convOutKernel - 1) / 2)
        parameters = store.arena
        parameterCount = store.parameterCount
    }

    /// Every attention layer in forward order (down, mid, up blocks; attn1 before attn2), each with its diffusers
    /// name and kind.
    public var attentionLayers: [Attention] {
        downBlocks.flatMap(\.attentionLayers) + midBlock.attentionLayers + upBlocks.flatMap(\.attentionLayers)
    }

    /// Attention layer name → self or cross.
    public var attentionLayerKinds: [String: AttentionKind] {
        Dictionary(uniqueKeysWithValues: attentionLayers.map { ($0.name, $0.kind) })
    }

    /// cross_attention_dim of each down block: the width of the text hidden states (one value for every block in
    /// Stable Diffusion's configs; the forward pass needs them to agree).
    public var crossAttentionDimensions: [Int] {
        configuration.crossAttentionDim.values(count: configuration.downBlockTypes.count)
    }
}
