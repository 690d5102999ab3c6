import LetheTensor

extension UNet2DConditionModel {
    /// The model output for `sample` [B, in_channels, H, W] at `timesteps` (one value for all samples, or one per
    /// sample; fractional values allowed) with `encoderHiddenStates` [B, tokens, cross_attention_dim]
    /// → [B, out_channels, H, W]. Any H and W work: up blocks meet odd-sized skip connections as diffusers does.
    public func callAsFunction(sample: Tensor, timesteps: [Float], encoderHiddenStates: Tensor) throws(UNetInputError) -> Tensor {
        try checkInputs(sample: sample, timesteps: timesteps, encoderHiddenStates: encoderHiddenStates)
        let batch = sample.shape[0]
        var x = configuration.centerInputSample ? sample * 2 + -1 : sample
        let perSample = timesteps.count == 1 ? Array(repeating: timesteps[0], count: batch) : timesteps
        let projection = TimestepEmbedding.sinusoidal(
            perSample, channels: convIn.outChannels, flipSinToCos: configuration.flipSinToCos,
            downscaleFrequencyShift: configuration.freqShift)
        let embedding = timeEmbedding(projection)
        let context = encoderHiddenStates.contiguous()

        x = convIn(x)
        var skips = [x]
        for block in downBlocks {
            let (output, saved) = block(x, timeEmbedding: embedding, context: context)
            x = output
            skips += saved
        }
        x = midBlock(x, timeEmbedding: embedding, context: context)
        for block in upBlocks {
            let own = Array(skips.suffix(block.resnets.count))
            skips.removeLast(block.resnets.count)
            // diffusers upsamples to the size of the skip connection the next block starts with (2× unless odd).
            let size = skips.last.map { (height: $0.shape[2], width: $0.shape[3]) }
            x = block(x, skips: own, timeEmbedding: embedding, context: context, upsampleSize: size)
        }
        return convOut(convNormOut(x).silu())
    }

    /// The same with one timestep for every sample.
    public func callAsFunction(sample: Tensor, timestep: Float, encoderHiddenStates: Tensor) throws(UNetInputError) -> Tensor {
        try callAsFunction(sample: sample, timesteps: [timestep], encoderHiddenStates: encoderHiddenStates)
    }

    func checkInputs(sample: Tensor, timesteps: [Float], encoderHiddenStates: Tensor) throws(UNetInputError) {
        guard sample.rank == 4, sample.shape[1] == configuration.inChannels, sample.count > 0 else {
            throw .sampleShape(found: sample.shape, inChannels: configuration.inChannels)
        }
        let batch = sample.shape[0]
        guard timesteps.count == 1 || timesteps.count == batch else {
            throw .timestepCount(found: timesteps.count, batch: batch)
        }
        let widths = Set(crossAttentionDimensions)
        guard encoderHiddenStates.rank == 3, encoderHiddenStates.shape[0] == batch, encoderHiddenStates.shape[1] > 0,
              widths.count == 1, widths.first == encoderHiddenStates.shape[2] else {
            throw .encoderHiddenStatesShape(found: encoderHiddenStates.shape, batch: batch,
                                            width: crossAttentionDimensions.first ?? 0)
        }
    }
}
