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
}

extension VAEEncoder {
    /// image [B, in_channels, H, W] → moments [B, 2·latent_channels, h, w], saving what backward needs (with
    /// `.blocks` checkpointing, only the inputs of the down blocks and the mid block).
    public func forward(_ image: Tensor, tape: ActivationTape? = nil) -> Tensor {
        var x = convIn.forward(image, tape: tape)
        for index in downBlockResnets.indices {
            x = ActivationTape.checkpointed(x, on: tape) { downBlockForward(index, $0, tape: $1) }
        }
        x = ActivationTape.checkpointed(x, on: tape) { midBlock.forward($0, tape: $1) }
        let normalized = convNormOut.forward(x, tape: tape)
        tape?.save(normalized)
        return convOut.forward(normalized.silu(), tape: tape)
    }

    /// dL/d(image) from dL/d(moments); accumulates the gradients of the parameters that train.
    public func backward(_ momentsGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        var gradient = convOut.inputGradient(momentsGradient, tape: tape, gradients: gradients)
        let normalized: Tensor = tape.restore()
        gradient = convNormOut.backward(gradient.siluBackward(input: normalized), tape: tape, gradients: gradients)
        gradient = tape.backwardThroughCheckpoint(recomputing: { midBlock.forward($0, tape: $1) }) {
            [gradient] in midBlock.backward(gradient, tape: $0, gradients: gradients)
        }
        for index in downBlockResnets.indices.reversed() {
            gradient = tape.backwardThroughCheckpoint(recomputing: { downBlockForward(index, $0, tape: $1) }) {
                [gradient] in downBlockBackward(index, gradient, tape: $0, gradients: gradients)
            }
        }
        return convIn.inputGradient(gradient, tape: tape, gradients: gradients)
    }

    /// down_blocks.index: its resnets, then its downsampler (none in the last block).
    private func downBlockForward(_ index: Int, _ input: Tensor, tape: ActivationTape?) -> Tensor {
        var x = input
        for resnet in downBlockResnets[index] { x = resnet.forward(x, timeEmbedding: nil, tape: tape) }
        return downsamplers[index].map { $0.forward(x, tape: tape) } ?? x
    }

    private func downBlockBackward(_ index: Int, _ outputGradient: Tensor, tape: ActivationTape,
                                   gradients: ParameterGradients) -> Tensor {
        var gradient = downsamplers[index].map { $0.backward(outputGradient, tape: tape, gradients: gradients) }
            ?? outputGradient
        for resnet in downBlockResnets[index].reversed() {
            gradient = resnet.backward(gradient, tape: tape, gradients: gradients).input
        }
        return gradient
    }
}
