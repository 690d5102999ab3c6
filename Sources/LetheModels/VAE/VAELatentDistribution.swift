import Foundation
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

extension VAELatentDistribution {
    /// Gradients of a loss with respect to the distribution's tensors (each [B, L, h, w]; nil where the loss does not
    /// use one).
    public struct Gradient: Sendable {
        public var mean: Tensor?
        public var logVariance: Tensor?
        public var standardDeviation: Tensor?

        public init(mean: Tensor? = nil, logVariance: Tensor? = nil, standardDeviation: Tensor? = nil) {
            self.mean = mean
            self.logVariance = logVariance
            self.standardDeviation = standardDeviation
        }
    }

    /// Backward of `sample(noise:)` (the reparameterisation mean + std · noise): dL/d(mean) = dL/d(sample),
    /// dL/d(std) = noise · dL/d(sample).
    public static func sampleBackward(_ sampleGradient: Tensor, noise: Tensor) -> Gradient {
        precondition(sampleGradient.shape == noise.shape, "sample gradient \(sampleGradient.shape) must match the noise \(noise.shape)")
        return Gradient(mean: sampleGradient, standardDeviation: noise * sampleGradient)
    }

    /// Backward of `init(moments:)`: dL/d(moments) [B, 2L, h, w] from the gradients of the mean, the (clamped)
    /// log-variance and std = exp(logvar / 2). As torch's clamp, a log-variance outside [−30, 20] passes no gradient.
    public static func momentsGradient(_ gradient: Gradient, moments: Tensor) -> Tensor {
        precondition(moments.rank == 4 && moments.shape[1] % 2 == 0, "moments must be [B, 2L, h, w], got \(moments.shape)")
        let (batch, latentChannels) = (moments.shape[0], moments.shape[1] / 2)
        let half = [batch, latentChannels, moments.shape[2], moments.shape[3]]
        for part in [gradient.mean, gradient.logVariance, gradient.standardDeviation] {
            precondition(part.map { $0.shape == half } ?? true, "a latent distribution gradient must have shape \(half)")
        }
        let source = moments.contiguous()
        let result = Tensor(zeros: moments.shape)
        let plane = latentChannels * moments.shape[2] * moments.shape[3]
        let (meanGradient, logVarianceGradient, deviationGradient) = (
            gradient.mean?.contiguous(), gradient.logVariance?.contiguous(), gradient.standardDeviation?.contiguous())
        for sample in 0..<batch {
            let meanOut = result.pointer + sample * 2 * plane
            let logVarianceIn = source.pointer + sample * 2 * plane + plane
            let logVarianceOut = meanOut + plane
            let offset = sample * plane
            if let meanGradient { meanOut.update(from: meanGradient.pointer + offset, count: plane) }
            for index in 0..<plane {
                let raw = logVarianceIn[index]
                guard raw >= -30, raw <= 20 else { continue }
                var value = logVarianceGradient.map { $0.pointer[offset + index] } ?? 0
                if let deviationGradient {
                    // d std / d logvar = std / 2.
                    value += deviationGradient.pointer[offset + index] * 0.5 * Foundation.exp(0.5 * raw)
                }
                logVarianceOut[index] = value
            }
        }
        return result
    }
}
