import LetheTensor

/// The block-by-block layout diffusers' UNet2DConditionModel builds from a config: channels, resnet counts, heads,
/// cross-attention widths, with the up path's values reversed as diffusers reverses them.
struct UNetArchitecture {
    struct DownBlock {
        var hasCrossAttention: Bool
        var inChannels: Int
        var outChannels: Int
        var layers: Int
        var transformerLayers: Int
        var heads: Int
        var crossAttentionDimension: Int
        var addsDownsample: Bool
    }

    struct UpBlock {
        var hasCrossAttention: Bool
        /// Input channels of each resnet: previous output plus the skip connection it concatenates.
        var resnetInChannels: [Int]
        var outChannels: Int
        var transformerLayers: Int
        var heads: Int
        var crossAttentionDimension: Int
        var addsUpsample: Bool
    }

    struct MidBlock {
        var channels: Int
        var transformerLayers: Int
        var heads: Int
        var crossAttentionDimension: Int
    }

    var downBlocks: [DownBlock] = []
    var midBlock: MidBlock
    var upBlocks: [UpBlock] = []
    var timestepChannels: Int
    var timeEmbeddingChannels: Int
    var groups: Int

    /// The most layers (resnets, transformer blocks) per block a config may ask for.
    static let maximumRepeats = 1000

    /// A config's sample_size (latent or image side, one value or [height, width]) lies in 1...16384.
    static func checkSampleSize(_ sides: [Int], source: String) throws {
        let limit = ResourceBounds.maximumImageSide
        if let bad = sides.first(where: { !(1...limit).contains($0) }) {
            throw ModelLoadingError.invalidConfig(path: source, key: "sample_size",
                                                  reason: "is \(bad); it must be between 1 and \(limit)")
        }
    }

    init(_ config: UNet2DConditionConfiguration, source: String) throws {
        func invalid(_ key: String, _ reason: String) -> ModelLoadingError {
            .invalidConfig(path: source, key: key, reason: reason)
        }
        let count = config.downBlockTypes.count
        guard count > 0 else { throw invalid("down_block_types", "is empty") }
        guard config.upBlockTypes.count == count else {
            throw invalid("up_block_types", "has \(config.upBlockTypes.count) entries but down_block_types has \(count)")
        }
        guard config.blockOutChannels.count == count else {
            throw invalid("block_out_channels", "has \(config.blockOutChannels.count) entries but down_block_types has \(count)")
        }
        func perBlock<T>(_ key: String, _ setting: UNet2DConditionConfiguration.OneOrMany<T>) throws -> [T] {
            let values = setting.values(count: count)
            guard values.count == count else {
                throw invalid(key, "has \(values.count) entries but down_block_types has \(count)")
            }
            return values
        }
        func positive(_ key: String, _ values: [Int]) throws {
            if let bad = values.first(where: { $0 < 1 }) { throw invalid(key, "must be positive, found \(bad)") }
        }
        _ = try perBlock("only_cross_attention", config.onlyCrossAttention)
        let layers = try perBlock("layers_per_block", config.layersPerBlock)
        let crossDimensions = try perBlock("cross_attention_dim", config.crossAttentionDim)
        let transformerLayers = try perBlock("transformer_layers_per_block", config.transformerLayersPerBlock)
        // diffusers' legacy rule: num_attention_heads = num_attention_heads or attention_head_dim.
        let heads = try perBlock(config.numAttentionHeads == nil ? "attention_head_dim" : "num_attention_heads",
                                 config.numAttentionHeads ?? config.attentionHeadDim)
        try config.checkSupportedFeatures(source: source)
        try positive("block_out_channels", config.blockOutChannels)
        try positive("layers_per_block", layers)
        try positive("cross_attention_dim", crossDimensions)
        try positive("transformer_layers_per_block", transformerLayers)
        try positive("attention_head_dim", heads)
        try positive("in_channels", [config.inChannels])
        try positive("out_channels", [config.outChannels])
        if let dimension = config.timeEmbeddingDim { try positive("time_embedding_dim", [dimension]) }
        guard config.downsamplePadding >= 0 else { throw invalid("downsample_padding", "must not be negative") }
        // Bounds before anything is built from them: repeat counts that would build millions of layers before
        // the checkpoint is read, and an image side no request could allocate.
        for (key, values) in [("layers_per_block", layers), ("transformer_layers_per_block", transformerLayers)] {
            if let bad = values.first(where: { $0 > Self.maximumRepeats }) {
                throw invalid(key, "is \(bad); at most \(Self.maximumRepeats) layers per block are supported")
            }
        }
        if let sampleSize = config.sampleSize {
            try Self.checkSampleSize(sampleSize.values(count: 2), source: source)
        }

        let channels = config.blockOutChannels
        groups = config.normNumGroups ?? 32
        timestepChannels = channels[0]
        timeEmbeddingChannels = config.timeEmbeddingDim ?? channels[0] * 4
        guard timestepChannels >= 2 else { throw invalid("block_out_channels", "needs at least 2 channels in the first block") }

        // Channels of each tensor the down path saves for the up path, to check diffusers' up-block formula.
        var skipChannels = [channels[0]]
        var output = channels[0]
        for index in 0..<count {
            let type = UNet2DConditionConfiguration.normalizedBlockType(config.downBlockTypes[index])
            let block = DownBlock(
                hasCrossAttention: type == "CrossAttnDownBlock2D", inChannels: output, outChannels: channels[index],
                layers: layers[index], transformerLayers: transformerLayers[index], heads: heads[index],
                crossAttentionDimension: crossDimensions[index], addsDownsample: index < count - 1)
            downBlocks.append(block)
            output = channels[index]
            skipChannels += Array(repeating: output, count: block.layers + (block.addsDownsample ? 1 : 0))
        }
        midBlock = MidBlock(channels: channels[count - 1], transformerLayers: transformerLayers[count - 1],
                            heads: heads[count - 1], crossAttentionDimension: crossDimensions[count - 1])

        let reversedChannels = Array(channels.reversed())
        output = reversedChannels[0]
        for index in 0..<count {
            let type = UNet2DConditionConfiguration.normalizedBlockType(config.upBlockTypes[index])
            let previousOutput = output
            output = reversedChannels[index]
            let inChannels = reversedChannels[min(index + 1, count - 1)]
            let resnets = layers[count - 1 - index] + 1
            var resnetInputs: [Int] = []
            for layer in 0..<resnets {
                let skip = layer == resnets - 1 ? inChannels : output
                resnetInputs.append((layer == 0 ? previousOutput : output) + skip)
                // diffusers sizes the resnet by this formula; the tensor it concatenates must agree.
                guard let saved = skipChannels.popLast(), saved == skip else {
                    throw invalid("layers_per_block", "gives up block \(index) skip connections that do not match the down path")
                }
            }
            upBlocks.append(UpBlock(
                hasCrossAttention: type == "CrossAttnUpBlock2D", resnetInChannels: resnetInputs, outChannels: output,
                transformerLayers: transformerLayers[count - 1 - index], heads: heads[count - 1 - index],
                crossAttentionDimension: crossDimensions[count - 1 - index], addsUpsample: index < count - 1))
        }

        // Each attention block splits its channels into heads of channels/heads (at least 1) channels.
        let attentionBlocks = downBlocks.filter(\.hasCrossAttention).map { ($0.outChannels, $0.heads) }
            + [(midBlock.channels, midBlock.heads)] + upBlocks.filter(\.hasCrossAttention).map { ($0.outChannels, $0.heads) }
        if let bad = attentionBlocks.first(where: { $0.1 > $0.0 }) {
            throw invalid(config.numAttentionHeads == nil ? "attention_head_dim" : "num_attention_heads",
                          "asks for \(bad.1) heads in a block of \(bad.0) channels")
        }

        // torch.nn.GroupNorm needs the channels of every normalized tensor to split into the groups.
        let normalized = downBlocks.flatMap { [$0.inChannels, $0.outChannels] } + [midBlock.channels]
            + upBlocks.flatMap { $0.resnetInChannels + [$0.outChannels] }
        if let bad = normalized.first(where: { groups < 1 || $0 % groups != 0 }) {
            throw invalid("norm_num_groups", "(\(groups)) does not divide \(bad) channels")
        }
    }
}
