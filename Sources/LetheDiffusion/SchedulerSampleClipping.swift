import LetheTensor

/// How DDPM and DDIM bound their x₀ estimate: plain clipping (`clip_sample`) or Imagen's dynamic thresholding
/// (`thresholding`, which takes precedence, as in diffusers).
enum SchedulerSampleClipping: Sendable, Equatable {
    case none
    /// Clamp to [−range, range].
    case clip(range: Float)
    /// Per batch item: s = clamp(quantile(|x₀|, ratio), 1, maxValue); x₀ ← clamp(x₀, −s, s) / s.
    case threshold(ratio: Float, maxValue: Float)

    /// Reads `clip_sample`, `clip_sample_range`, `thresholding`, `dynamic_thresholding_ratio` and
    /// `sample_max_value` with diffusers' defaults (`clip_sample` defaults to true in DDPM and DDIM).
    init(configuration: SchedulerConfiguration) throws {
        if configuration.thresholding ?? false {
            let ratio = configuration.dynamicThresholdingRatio ?? 0.995
            guard ratio > 0, ratio <= 1 else {
                throw SchedulerError.invalidValue(
                    key: SchedulerConfiguration.CodingKeys.dynamicThresholdingRatio.rawValue, value: "\(ratio)",
                    expected: "a quantile in (0, 1]")
            }
            let maxValue = try configuration.positive(configuration.sampleMaxValue, key: .sampleMaxValue, default: 1)
            self = .threshold(ratio: Float(ratio), maxValue: Float(maxValue))
        } else if configuration.clipSample ?? true {
            let range = try configuration.positive(configuration.clipSampleRange, key: .clipSampleRange, default: 1)
            self = .clip(range: Float(range))
        } else {
            self = .none
        }
    }

    /// The bounded estimate.
    func apply(_ predictedOriginal: Tensor) -> Tensor {
        switch self {
        case .none:
            return predictedOriginal
        case .clip(let range):
            return SchedulerTensorMath.map(predictedOriginal) { SchedulerTensorMath.clamp($0, range) }
        case .threshold(let ratio, let maxValue):
            return Self.threshold(predictedOriginal, ratio: ratio, maxValue: maxValue)
        }
    }

    private static func threshold(_ sample: Tensor, ratio: Float, maxValue: Float) -> Tensor {
        let input = sample.contiguous()
        let result = Tensor(zeros: sample.shape)
        let batch = Swift.max(sample.shape.first ?? 1, 1)
        let itemSize = sample.count / batch
        guard itemSize > 0 else { return result }
        let source = input.pointer, destination = result.pointer
        for item in 0..<batch {
            let range = item * itemSize..<(item + 1) * itemSize
            let magnitudes = range.map { Swift.abs(source[$0]) }.sorted()
            let limit = Swift.min(Swift.max(quantile(sortedValues: magnitudes, ratio), 1), maxValue)
            for index in range { destination[index] = SchedulerTensorMath.clamp(source[index], limit) / limit }
        }
        return result
    }

    /// `torch.quantile` with linear interpolation, in float32 as torch computes it.
    private static func quantile(sortedValues: [Float], _ q: Float) -> Float {
        let last = sortedValues.count - 1
        let rank = q * Float(last)
        let below = Int(rank.rounded(.down)), above = Int(rank.rounded(.up))
        let weight = rank - Float(below)
        let low = sortedValues[below], high = sortedValues[Swift.min(above, last)]
        // torch.lerp: from the nearer end, for accuracy.
        return Swift.abs(weight) < 0.5 ? low + weight * (high - low) : high - (high - low) * (1 - weight)
    }
}
