import Foundation
import LetheTensor

extension DDPMScheduler {
    /// The posterior variance β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, floored at 1e-20 as diffusers does.
    static func posteriorVariance(alphaProduct: Float, alphaProductPrevious: Float) -> Float {
        let currentBeta = 1 - alphaProduct / alphaProductPrevious
        return Swift.max((1 - alphaProductPrevious) / (1 - alphaProduct) * currentBeta, 1e-20)
    }

    /// `sample` plus the step's noise, scaled by the standard deviation of the configured variance type.
    func addVariance(
        to sample: Tensor, noise: Tensor, predictedVariance: Tensor?, alphaProduct: Float, alphaProductPrevious: Float
    ) -> Tensor {
        let variance = Self.posteriorVariance(alphaProduct: alphaProduct, alphaProductPrevious: alphaProductPrevious)
        let currentBeta = 1 - alphaProduct / alphaProductPrevious
        switch varianceType {
        case .fixedSmall:
            let deviation = variance.squareRoot()
            return SchedulerTensorMath.map(sample, noise) { x, n in x + deviation * n }
        case .fixedSmallLog:
            let deviation = Foundation.exp(0.5 * Foundation.log(variance))
            return SchedulerTensorMath.map(sample, noise) { x, n in x + deviation * n }
        case .fixedLarge:
            let deviation = currentBeta.squareRoot()
            return SchedulerTensorMath.map(sample, noise) { x, n in x + deviation * n }
        case .learned:
            // splitModelOutput guarantees the variance channels for the learned types.
            guard let predictedVariance else { preconditionFailure("learned variance without variance channels") }
            return SchedulerTensorMath.map(sample, predictedVariance, noise) { x, v, n in x + v.squareRoot() * n }
        case .learnedRange:
            guard let predictedVariance else { preconditionFailure("learned variance without variance channels") }
            let minLog = Foundation.log(variance), maxLog = Foundation.log(currentBeta)
            return SchedulerTensorMath.map(sample, predictedVariance, noise) { x, v, n in
                let fraction = (v + 1) / 2
                let logVariance = fraction * maxLog + (1 - fraction) * minLog
                return x + Foundation.exp(0.5 * logVariance) * n
            }
        }
    }
}
