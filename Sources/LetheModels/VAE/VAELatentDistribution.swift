import LetheTensor

/// diffusers' `DiagonalGaussianDistribution` over the latents: the encoder's moments split into mean and
/// log-variance (clamped to [−30, 20]), std = exp(logvar / 2).
public struct VAELatentDistribution: Sendable {
    public let mean: Tensor
    public let logVariance: Tensor
    public let standardDeviation: Tensor

    /// moments [B, 2L, h, w]: channels 0..<L the mean, L..<2L the log-variance.
    public init(moments: Tensor) {
        precondition(moments.rank == 4 && moments.shape[1] % 2 == 0, "moments must be [B, 2L, h, w], got \(moments.shape)")
        let latentChannels = moments.shape[1] / 2
        mean = moments.narrowed(axis: 1, start: 0, length: latentChannels).contiguous()
        let clamped = moments.narrowed(axis: 1, start: latentChannels, length: latentChannels).copy()
        clamped.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] = Swift.min(Swift.max(values[index], -30), 20) }
        }
        logVariance = clamped
        standardDeviation = (clamped * 0.5).exp()
    }

    /// mean + std · noise, for `noise` of the mean's shape (diffusers draws it with randn_tensor).
    public func sample(noise: Tensor) -> Tensor {
        precondition(noise.shape == mean.shape, "noise \(noise.shape) must have the latent shape \(mean.shape)")
        return mean + standardDeviation * noise
    }

    /// The mean, which diffusers' `latent_dist.mode()` returns.
    public var mode: Tensor { mean }
}
