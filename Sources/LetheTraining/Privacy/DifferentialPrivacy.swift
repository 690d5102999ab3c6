import LetheModels
import LetheTelemetry
import LetheTensor

/// DP-SGD's step as Opacus's `DPOptimizer` takes it: every example's gradient clipped to norm C
/// (`maxGradientNorm`: scaled by min(1, C / (‖g‖ + 1e−6))), the clipped gradients summed over the global batch,
/// Gaussian noise N(0, σ²C²) added once to that sum, and the result divided by the expected batch size
/// (`loss_reduction="mean"`). The noise is drawn from a stream keyed by `seed` and the step, after the sum across
/// ranks, so every rank adds the same numbers: the noise is that of one process whatever the number of ranks.
public struct DifferentialPrivacy: Sendable, Equatable {
    /// C: the bound on each example's gradient norm.
    public var maxGradientNorm: Double
    /// σ: the noise's standard deviation over C.
    public var noiseMultiplier: Double
    /// What the noisy sum is divided by: the batch size expected under the sampling (its rate × the examples).
    public var expectedBatchSize: Double
    /// Keys the noise stream (with the step).
    public var seed: UInt64

    public init(maxGradientNorm: Double, noiseMultiplier: Double, expectedBatchSize: Double, seed: UInt64) {
        self.maxGradientNorm = maxGradientNorm
        self.noiseMultiplier = noiseMultiplier
        self.expectedBatchSize = expectedBatchSize
        self.seed = seed
    }

    /// Noise values generated per chunk: the buffer stays small even for a whole UNet's gradient.
    static let noiseChunk = 1 << 16

    /// Adds σC · N(0, 1) to every gradient value, value i taking normal i of step `step`'s stream.
    func addNoise(to gradients: ParameterGradients, step: Int) {
        let stream = RandomStream(seed: seed, purpose: "dp-noise", id: UInt64(step))
        let deviation = Float(noiseMultiplier * maxGradientNorm)
        let values = gradients.storage.base
        let count = gradients.count
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: min(Self.noiseChunk, max(count, 1)))
        defer { buffer.deallocate() }
        var start = 0
        while start < count {
            let length = min(Self.noiseChunk, count - start)
            let chunk = UnsafeMutableBufferPointer(rebasing: buffer[0..<length])
            stream.fill(normal: chunk, startingAt: UInt64(start))
            for index in 0..<length { values[start + index] += deviation * chunk[index] }
            start += length
        }
    }
}

/// What one example's forward and backward measured: its own loss (its gradient is that loss's) and one more value
/// the method reports (e.g. Forget-Me-Not's attention mass), both averaged over the global batch.
public struct ExampleLoss: Sendable {
    public var loss: Double
    public var measure: Double

    public init(loss: Double, measure: Double = 0) {
        self.loss = loss
        self.measure = measure
    }
}

extension DiffusionTrainer {
    /// One DP-SGD step over this process's `examples` examples of the global batch (possibly none: under Poisson
    /// sampling a rank's share, or the whole batch, may be empty; the step is then noise alone).
    /// `exampleLoss(k, gradients)` runs the method's forward and backward on local example k alone, accumulating its
    /// gradient into the zeroed buffer. The report's loss and `sums[1]` are the means of the examples' values over
    /// the global batch (0 for an empty one; `sums[2]` is its size); its gradient norm is that of the noisy mean
    /// gradient the optimizer takes, the only gradient this step releases. No global-norm clipping follows.
    @discardableResult
    public func privateStep(examples: Int, privacy: DifferentialPrivacy, reduction: GradientReduction = .none,
                            _ exampleLoss: (_ example: Int, ParameterGradients) throws -> ExampleLoss) throws -> StepReport {
        let count = gradients.count
        let values = gradients.storage.base
        let clippedSum = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
        defer { clippedSum.deallocate() }
        clippedSum.initialize(repeating: 0)
        var totals = (loss: 0.0, measure: 0.0)
        for example in 0..<examples {
            gradients.zero()
            let measured = try exampleLoss(example, gradients)
            guard measured.loss.isFinite else { throw TrainingStepError.nonFiniteLoss(step: stepsTaken, loss: measured.loss) }
            let norm = gradients.globalNorm()
            guard norm.isFinite else { throw TrainingStepError.nonFiniteGradient(step: stepsTaken, norm: norm) }
            let factor = Float(Swift.min(1, privacy.maxGradientNorm / (norm + 1e-6)))
            for index in 0..<count { clippedSum[index] += factor * values[index] }
            totals.loss += measured.loss
            totals.measure += measured.measure
        }
        values.update(from: clippedSum.baseAddress!, count: count)
        let sums = try reduction.sumValues([totals.loss, totals.measure, Double(examples)])
        try reduction.sumGradients(gradients)
        privacy.addNoise(to: gradients, step: stepsTaken)
        gradients.flat.scaleInPlace(by: Float(1 / privacy.expectedBatchSize))
        let batch = sums[2]
        let means = batch > 0 ? [sums[0] / batch, sums[1] / batch, batch] : [0, 0, 0]
        return try update(loss: means[0], sums: means, maxGradientNorm: nil)
    }
}
