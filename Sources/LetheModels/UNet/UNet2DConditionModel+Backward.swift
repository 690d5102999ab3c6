import LetheTensor

extension UNet2DConditionModel {
    /// The model output for `sample` [B, in_channels, H, W] at `timesteps` (one for all samples or one per sample)
    /// with `encoderHiddenStates` [B, tokens, cross_attention_dim] → [B, out_channels, H, W], saving on `tape` what
    /// `backward` needs (nil: the inference path). The attention hooks on the tape see every hooked layer's
    /// probabilities. With `tape.checkpointing == .blocks` each down/mid/up block keeps only its inputs and is
    /// recomputed in the backward pass, where its hooks' `capture` is called once more with the same probabilities.
    public func forward(sample: Tensor, timesteps: [Float], encoderHiddenStates: Tensor,
                        tape: ActivationTape?) throws(UNetInputError) -> Tensor {
        try checkInputs(sample: sample, timesteps: timesteps, encoderHiddenStates: encoderHiddenStates)
        let batch = sample.shape[0]
        var x = configuration.centerInputSample ? sample * 2 + -1 : sample
        let perSample = timesteps.count == 1 ? Array(repeating: timesteps[0], count: batch) : timesteps
        let projection = TimestepEmbedding.sinusoidal(
            perSample, channels: convIn.outChannels, flipSinToCos: configuration.flipSinToCos,
            downscaleFrequencyShift: configuration.freqShift)
        let embedding = timeEmbedding.forward(projection, tape: tape)
        let context = encoderHiddenStates.contiguous()

        x = convIn.forward(x, tape: tape)
        var skips = [x]
        for block in downBlocks {
            let (output, saved) = block.forward(x, timeEmbedding: embedding, context: context, tape: tape)
            x = output
            skips += saved
        }
        x = midBlock.forward(x, timeEmbedding: embedding, context: context, tape: tape)
        for block in upBlocks {
            let own = Array(skips.suffix(block.resnets.count))
            skips.removeLast(block.resnets.count)
            // diffusers upsamples to the size of the skip connection the next block starts with (2× unless odd).
            let size = skips.last.map { (height: $0.shape[2], width: $0.shape[3]) }
            x = block.forward(x, skips: own, timeEmbedding: embedding, context: context, upsampleSize: size, tape: tape)
        }
        let normalized = convNormOut.forward(x, tape: tape)
        tape?.save(normalized)
        return convOut.forward(normalized.silu(), tape: tape)
    }

    /// Gradients of a loss with respect to `sample` and `encoderHiddenStates` from dL/d(output) (zeros for a loss on
    /// attention probabilities alone, which the hooks on the tape add); accumulates the trained parameters'
    /// gradients into `gradients`. Pops everything `forward` saved on `tape`. The timesteps are not differentiated.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (sample: Tensor, encoderHiddenStates: Tensor) {
        guard var gradient = convOut.backward(outputGradient, tape: tape, gradients: gradients) else {
            preconditionFailure("conv_out returned no input gradient")
        }
        let normalized: Tensor = tape.restore()
        gradient = convNormOut.backward(gradient.siluBackward(input: normalized), tape: tape, gradients: gradients)

        var timeGradient: Tensor?
        var contextGradient: Tensor?
        // dL/d(every tensor the down path saved), in the order it saved them: the last up block used the first ones.
        var skipGradients: [Tensor] = []
        for block in upBlocks.reversed() {
            let result = block.backward(gradient, tape: tape, gradients: gradients)
            gradient = result.input
            skipGradients += result.skips
            timeGradient = timeGradient.adding(result.timeEmbedding)
            contextGradient = contextGradient.adding(result.context)
        }
        let middle = midBlock.backward(gradient, tape: tape, gradients: gradients)
        gradient = middle.input
        timeGradient = timeGradient.adding(middle.timeEmbedding)
        contextGradient = contextGradient.adding(middle.context)

        // Skip 0 is conv_in's output; down block i saved the next savedTensorCount ones.
        var end = skipGradients.count
        for block in downBlocks.reversed() {
            let start = end - block.savedTensorCount
            let result = block.backward(gradient, skipGradients: Array(skipGradients[start..<end]), tape: tape,
                                        gradients: gradients)
            end = start
            gradient = result.input
            timeGradient = timeGradient.adding(result.timeEmbedding)
            contextGradient = contextGradient.adding(result.context)
        }
        precondition(end == 1, "the down blocks saved \(skipGradients.count - end) of the \(skipGradients.count - 1) tensors the up blocks used")
        gradient = gradient + skipGradients[0]
        guard var sampleGradient = convIn.backward(gradient, tape: tape, gradients: gradients) else {
            preconditionFailure("conv_in returned no input gradient")
        }
        if configuration.centerInputSample { sampleGradient = sampleGradient * 2 }

        let batch = outputGradient.shape[0]
        timeEmbedding.backward(timeGradient ?? Tensor(zeros: [batch, timeEmbedding.linear2.weight.shape[0]]),
                               tape: tape, gradients: gradients)
        // The mid block always attends to the text, so the context has a gradient.
        guard let contextGradient else { preconditionFailure("no attention layer returned a context gradient") }
        return (sampleGradient, contextGradient)
    }
}
