import Foundation
import LetheTensor

/// What the two Euler schedulers share: sigmas from ᾱ, finding a timestep's step index, and the
/// Karras-style model input scaling and noising.
enum EulerSchedulerSupport {
    /// σ_t = sqrt((1 − ᾱ_t) / ᾱ_t) for every training timestep, in float32, ascending with t.
    static func trainingSigmas(_ schedule: NoiseSchedule) -> [Float] {
        schedule.alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
    }

    /// The ᾱ schedule an Euler scheduler works with: zero-terminal-SNR rescaling puts 2⁻²⁴ at the end.
    static func noiseSchedule(_ configuration: SchedulerConfiguration, kind: SchedulerKind) throws -> NoiseSchedule {
        let schedule = try configuration.noiseSchedule(allowsZeroTerminalSNR: true, for: kind)
        return configuration.rescaleBetasZeroSnr ?? false
            ? schedule.replacingTerminalAlphaCumprod(with: Float(pow(2.0, -24.0))) : schedule
    }

    /// The inference timesteps (float32, descending) for a spacing, as both Euler classes lay them out.
    static func timesteps(spacing: TimestepSpacing, count: Int, trainTimesteps: Int, offset: Int) -> [Float] {
        switch spacing {
        case .linspace:
            return SchedulerNumerics.numpyLinspace(0, Double(trainTimesteps - 1), count: count).reversed().map {
                Float($0)
            }
        case .leading:
            return SchedulerTimestepSpacing.leading(count: count, trainTimesteps: trainTimesteps, offset: offset)
                .reversed().map { Float($0) }
        case .trailing:
            return SchedulerTimestepSpacing.trailing(count: count, trainTimesteps: trainTimesteps).map { Float($0) }
        }
    }

    /// The position of `timestep` in `timesteps`; the second match when it occurs twice, as diffusers picks
    /// (so a run started part-way, as image-to-image does, does not skip a sigma).
    static func stepIndex(of timestep: Float, in timesteps: [Float], kind: SchedulerKind) throws -> Int {
        let matches = timesteps.indices.filter { timesteps[$0] == timestep }
        guard let first = matches.first else {
            throw SchedulerError.timestepNotInSchedule(scheduler: kind.rawValue, timestep: timestep)
        }
        return matches.count > 1 ? matches[1] : first
    }

    /// The initial noise scale: the largest sigma, or sqrt(σ_max² + 1) for leading spacing.
    static func initNoiseSigma(sigmas: [Float], spacing: TimestepSpacing) -> Float {
        let largest = sigmas.max() ?? 0
        return spacing == .leading ? (largest * largest + 1).squareRoot() : largest
    }

    /// sample / sqrt(σ² + 1): the input scaling that keeps the model's input at unit variance.
    static func scaled(_ sample: Tensor, sigma: Float) -> Tensor {
        let scale = (sigma * sigma + 1).squareRoot()
        return SchedulerTensorMath.map(sample) { $0 / scale }
    }

    /// The x₀ estimate for `prediction` at noise level `sigma`.
    static func predictedOriginal(
        _ modelOutput: Tensor, sample: Tensor, sigma: Float, prediction: PredictionType
    ) -> Tensor {
        switch prediction {
        case .epsilon:
            return SchedulerTensorMath.map(sample, modelOutput) { x, e in x - sigma * e }
        case .sample:
            return modelOutput
        case .vPrediction:
            let outputCoefficient = -sigma / (sigma * sigma + 1).squareRoot()
            let sampleDivisor = sigma * sigma + 1
            return SchedulerTensorMath.map(modelOutput, sample) { v, x in v * outputCoefficient + x / sampleDivisor }
        }
    }

    /// x₀ + σ·ε per batch item, σ looked up by each item's timestep; diffusers' Euler `add_noise`.
    static func addNoise(
        original: Tensor, noise: Tensor, timesteps: [Float], scheduleTimesteps: [Float], sigmas: [Float],
        kind: SchedulerKind
    ) throws -> Tensor {
        try SchedulerTensorMath.requireShape(noise, original.shape, argument: "noise")
        let batch = original.shape.first ?? 1
        guard timesteps.count == batch || timesteps.count == 1 else {
            throw SchedulerError.timestepCountMismatch(count: timesteps.count, batchSize: batch)
        }
        let itemSigmas = try timesteps.map { sigmas[try stepIndex(of: $0, in: scheduleTimesteps, kind: kind)] }
        let x = original.contiguous(), e = noise.contiguous()
        let result = Tensor(zeros: original.shape)
        let itemSize = original.rank == 0 ? 1 : original.count / Swift.max(batch, 1)
        let source = x.pointer, noiseValues = e.pointer, destination = result.pointer
        for item in 0..<Swift.max(batch, 1) where itemSize > 0 {
            let sigma = itemSigmas[itemSigmas.count == 1 ? 0 : item]
            for index in item * itemSize..<(item + 1) * itemSize {
                destination[index] = source[index] + noiseValues[index] * sigma
            }
        }
        return result
    }
}
