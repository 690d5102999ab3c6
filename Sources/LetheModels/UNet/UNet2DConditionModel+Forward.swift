import LetheTensor

extension UNet2DConditionModel {
    /// The model output for `sample` [B, in_channels, H, W] at `timesteps` (one value for all samples, or one per
    /// sample; fractional values allowed) with `encoderHiddenStates` [B, tokens, cross_attention_dim]
    /// → [B, out_channels, H, W]. Any H and W work: up blocks meet odd-sized skip connections as diffusers does.
    public func callAsFunction(sample: Tensor, timesteps: [Float], encoderHiddenStates: Tensor) throws(UNetInputError) -> Tensor {
        try forward(sample: sample, timesteps: timesteps, encoderHiddenStates: encoderHiddenStates, tape: nil)
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
