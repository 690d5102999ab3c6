import LetheTensor

extension VAEDecoder {
    /// The forward pass of `callAsFunction`: latents (after post_quant_conv) → image, saving what backward needs
    /// (with `.blocks` checkpointing, only the inputs of the mid block and the up blocks).
    public func forward(_ latents: Tensor, tape: ActivationTape?) -> Tensor {
        var x = convIn.forward(latents, tape: tape)
        x = VAEBlockCheckpoint.forward(x, tape: tape) { midBlock.forward($0, tape: $1) }
        for index in upBlockResnets.indices {
            x = VAEBlockCheckpoint.forward(x, tape: tape) { upBlockForward(index, $0, tape: $1) }
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
            gradient = VAEBlockCheckpoint.backward(
                gradient, tape: tape, forward: { upBlockForward(index, $0, tape: $1) },
                backward: { upBlockBackward(index, $0, tape: $1, gradients: gradients) })
        }
        gradient = VAEBlockCheckpoint.backward(
            gradient, tape: tape, forward: { midBlock.forward($0, tape: $1) },
            backward: { midBlock.backward($0, tape: $1, gradients: gradients) })
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
