import LetheTensor

/// diffusers' VAE `Encoder`: conv_in, DownEncoderBlock2Ds (resnets, then a Downsample2D with padding 0 except in
/// the last block), mid block, group norm, SiLU, conv_out to 2·latent_channels (mean and log-variance).
public struct VAEEncoder: Sendable {
    public let convIn: Conv2D
    /// The resnets of each down block.
    public let downBlockResnets: [[ResnetBlock2D]]
    /// The downsampler of each down block (nil in the last).
    public let downsamplers: [Downsample2D?]
    public let midBlock: VAEMidBlock
    public let convNormOut: GroupNorm
    public let convOut: Conv2D

    /// Loads `PREFIX.{conv_in, down_blocks.N.{resnets, downsamplers.0}, mid_block, conv_norm_out, conv_out}`.
    public init(_ store: WeightStore, _ prefix: String, _ config: AutoencoderKLConfiguration) throws {
        let channels = config.blockOutChannels
        let groups = config.normNumGroups
        convIn = try Conv2D(store, "\(prefix).conv_in", inChannels: config.inChannels, outChannels: channels[0],
                            kernel: 3, padding: 1)
        var resnets: [[ResnetBlock2D]] = []
        var downsamplers: [Downsample2D?] = []
        var output = channels[0]
        for (index, blockChannels) in channels.enumerated() {
            let block = "\(prefix).down_blocks.\(index)"
            let input = output
            resnets.append(try (0..<config.layersPerBlock).map {
                try ResnetBlock2D(store, "\(block).resnets.\($0)", inChannels: $0 == 0 ? input : blockChannels,
                                  outChannels: blockChannels, timeEmbeddingChannels: nil, groups: groups, epsilon: 1e-6)
            })
            downsamplers.append(index < channels.count - 1
                ? try Downsample2D(store, "\(block).downsamplers.0", channels: blockChannels, padding: 0) : nil)
            output = blockChannels
        }
        downBlockResnets = resnets
        self.downsamplers = downsamplers
        midBlock = try VAEMidBlock(store, "\(prefix).mid_block", channels: output, groups: groups,
                                   addAttention: config.midBlockAddAttention)
        convNormOut = try GroupNorm(store, "\(prefix).conv_norm_out", groups: groups, channels: output, epsilon: 1e-6)
        convOut = try Conv2D(store, "\(prefix).conv_out", inChannels: output, outChannels: 2 * config.latentChannels,
                             kernel: 3, padding: 1)
    }

    /// image [B, in_channels, H, W] → moments [B, 2·latent_channels, h, w].
    public func callAsFunction(_ image: Tensor) -> Tensor {
        forward(image, tape: nil)
    }
}
