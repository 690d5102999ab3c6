import LetheTensor

/// diffusers' VAE `Decoder`: conv_in, mid block, UpDecoderBlock2Ds (layers_per_block + 1 resnets, then an
/// Upsample2D except in the last block), group norm, SiLU, conv_out.
public struct VAEDecoder: Sendable {
    public let convIn: Conv2D
    public let midBlock: VAEMidBlock
    /// The resnets of each up block.
    public let upBlockResnets: [[ResnetBlock2D]]
    /// The upsampler of each up block (nil in the last).
    public let upsamplers: [Upsample2D?]
    public let convNormOut: GroupNorm
    public let convOut: Conv2D

    /// Loads `PREFIX.{conv_in, mid_block, up_blocks.N.{resnets, upsamplers.0}, conv_norm_out, conv_out}`.
    public init(_ store: WeightStore, _ prefix: String, _ config: AutoencoderKLConfiguration) throws {
        let channels = Array(config.blockOutChannels.reversed())
        let groups = config.normNumGroups
        convIn = try Conv2D(store, "\(prefix).conv_in", inChannels: config.latentChannels, outChannels: channels[0],
                            kernel: 3, padding: 1)
        midBlock = try VAEMidBlock(store, "\(prefix).mid_block", channels: channels[0], groups: groups,
                                   addAttention: config.midBlockAddAttention)
        var resnets: [[ResnetBlock2D]] = []
        var upsamplers: [Upsample2D?] = []
        var output = channels[0]
        for (index, blockChannels) in channels.enumerated() {
            let block = "\(prefix).up_blocks.\(index)"
            let input = output
            resnets.append(try (0...config.layersPerBlock).map {
                try ResnetBlock2D(store, "\(block).resnets.\($0)", inChannels: $0 == 0 ? input : blockChannels,
                                  outChannels: blockChannels, timeEmbeddingChannels: nil, groups: groups, epsilon: 1e-6)
            })
            upsamplers.append(index < channels.count - 1
                ? try Upsample2D(store, "\(block).upsamplers.0", channels: blockChannels) : nil)
            output = blockChannels
        }
        upBlockResnets = resnets
        self.upsamplers = upsamplers
        convNormOut = try GroupNorm(store, "\(prefix).conv_norm_out", groups: groups, channels: output, epsilon: 1e-6)
        convOut = try Conv2D(store, "\(prefix).conv_out", inChannels: output, outChannels: config.outChannels,
                             kernel: 3, padding: 1)
    }
}

extension VAEDecoder {
    /// latents [B, latent_channels, h, w] (after post_quant_conv) → image [B, out_channels, H, W], saving what
    /// backward needs (with `.blocks` checkpointing, only the inputs of the mid block and the up blocks).
    public func forward(_ latents: Tensor, tape: ActivationTape? = nil) -> Tensor {
        var x = convIn.forward(latents, tape: tape)
        x = ActivationTape.checkpointed(x, on: tape) { midBlock.forward($0, tape: $1) }
        for index in upBlockResnets.indices {
            x = ActivationTape.checkpointed(x, on: tape) { upBlockForward(index, $0, tape: $1) }
        }
        let normalized = convNormOut.forward(x, tape: tape)
        tape?.save(normalized)
        return convOut.forward(normalized.silu(), tape: tape)
    }

    /// dL/d(latents) from dL/d(image); accumulates the gradients of the parameters that train.
    public func backward(_ imageGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        var gradient = convOut.inputGradient(imageGradient, tape: tape, gradients: gradients)
        let normalized: Tensor = tape.restore()
        gradient = convNormOut.backward(gradient.siluBackward(input: normalized), tape: tape, gradients: gradients)
        for index in upBlockResnets.indices.reversed() {
            gradient = tape.backwardThroughCheckpoint(recomputing: { upBlockForward(index, $0, tape: $1) }) {
                [gradient] in upBlockBackward(index, gradient, tape: $0, gradients: gradients)
            }
        }
        gradient = tape.backwardThroughCheckpoint(recomputing: { midBlock.forward($0, tape: $1) }) {
            [gradient] in midBlock.backward(gradient, tape: $0, gradients: gradients)
        }
        return convIn.inputGradient(gradient, tape: tape, gradients: gradients)
    }

    /// up_blocks.index: its resnets, then its upsampler (none in the last block).
    private func upBlockForward(_ index: Int, _ input: Tensor, tape: ActivationTape?) -> Tensor {
        var x = input
        for resnet in upBlockResnets[index] { x = resnet.forward(x, timeEmbedding: nil, tape: tape) }
        return upsamplers[index].map { $0.forward(x, size: nil, tape: tape) } ?? x
    }

    private func upBlockBackward(_ index: Int, _ outputGradient: Tensor, tape: ActivationTape,
                                 gradients: ParameterGradients) -> Tensor {
        var gradient = upsamplers[index].map { $0.backward(outputGradient, tape: tape, gradients: gradients) }
            ?? outputGradient
        for resnet in upBlockResnets[index].reversed() {
            gradient = resnet.backward(gradient, tape: tape, gradients: gradients).input
        }
        return gradient
    }
}
