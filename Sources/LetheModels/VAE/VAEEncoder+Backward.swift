import LetheTensor

extension VAEEncoder {
    /// The forward pass of `callAsFunction`: image [B, in_channels, H, W] → moments [B, 2·latent_channels, h, w],
    /// saving what backward needs (with `.blocks` checkpointing, only the inputs of the down blocks and the mid block).
    public func forward(_ image: Tensor, tape: ActivationTape?) -> Tensor {
        var x = convIn.forward(image, tape: tape)
        for index in downBlockResnets.indices {
            x = VAEBlockCheckpoint.forward(x, tape: tape) { downBlockForward(index, $0, tape: $1) }
        }
        x = VAEBlockCheckpoint.forward(x, tape: tape) { midBlock.forward($0, tape: $1) }
        let normalized = convNormOut.forward(x, tape: tape)
        tape?.save(normalized)
        return convOut.forward(normalized.silu(), tape: tape)
    }

    /// dL/d(image) from dL/d(moments); accumulates the gradients of the parameters that train.
    public func backward(_ momentsGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        var gradient = convOut.inputGradient(momentsGradient, tape: tape, gradients: gradients)
        let normalized: Tensor = tape.restore()
        gradient = convNormOut.backward(gradient.siluBackward(input: normalized), tape: tape, gradients: gradients)
        gradient = VAEBlockCheckpoint.backward(
            gradient, tape: tape, forward: { midBlock.forward($0, tape: $1) },
            backward: { midBlock.backward($0, tape: $1, gradients: gradients) })
        for index in downBlockResnets.indices.reversed() {
            gradient = VAEBlockCheckpoint.backward(
                gradient, tape: tape, forward: { downBlockForward(index, $0, tape: $1) },
                backward: { downBlockBackward(index, $0, tape: $1, gradients: gradients) })
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
