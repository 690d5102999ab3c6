import Foundation
import LetheModels
import LetheTensor
import LetheTraining
import Testing

/// DP-SGD's step (`DiffusionTrainer.privateStep`) on a small parameter vector with made-up per-example gradients and
/// plain SGD at learning rate 1, so the gradient the optimizer took is the weights' change.
@Suite("DP-SGD step")
struct PrivateStepTests {
    static let width = 6

    /// A trainer on one parameter of `width` values, SGD with learning rate 1, no global clipping.
    static func trainer(width: Int = width) throws -> DiffusionTrainer {
        let (_, store) = try WeightStore.random(seed: 1) { store in try store.tensor("block.w", shape: [width]) }
        let gradients = try ParameterGradients(store: store, selection: ParameterSelection(["block"]))
        return DiffusionTrainer(
            gradients: gradients, optimizer: try SGD(for: gradients),
            schedule: try LearningRateSchedule(name: "constant", baseLearningRate: 1, warmupSteps: 0, totalSteps: 10),
            maxGradientNorm: nil)
    }

    static func weights(_ trainer: DiffusionTrainer) -> [Double] {
        (0..<trainer.gradients.count).map { Double(trainer.gradients.parameters.base[$0]) }
    }

    /// Runs one private step of `examples` (each a gradient vector) and returns the gradient the optimizer took.
    static func step(_ trainer: DiffusionTrainer, examples: [[Float]], privacy: DifferentialPrivacy,
                     reduction: GradientReduction = .none) throws -> (gradient: [Double], report: DiffusionTrainer.StepReport) {
        let before = weights(trainer)
        let report = try trainer.privateStep(examples: examples.count, privacy: privacy, reduction: reduction) { index, gradients in
            for (offset, value) in examples[index].enumerated() { gradients.storage.base[offset] += value }
            return ExampleLoss(loss: Double(index + 1), measure: 10)
        }
        return (zip(before, weights(trainer)).map { $0 - $1 }, report)
    }

    static func norm(_ values: [Float]) -> Double { values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

    /// Without noise the step is exactly Σ min(1, C/(‖g‖ + 1e−6)) g / B: gradients above C scaled down to C, those
    /// below left alone.
    @Test func clipsEachExampleToTheBound() throws {
        let examples: [[Float]] = [
            [3, 4, 0, 0, 0, 0],  // norm 5: scaled to norm 1
            [0, 0, 0.3, 0.4, 0, 0],  // norm 0.5: kept
            [0, 0, 0, 0, 1e6, -1e6],  // huge: scaled to norm 1
        ]
        let privacy = DifferentialPrivacy(maxGradientNorm: 1, noiseMultiplier: 0, expectedBatchSize: 4, seed: 0)
        let (gradient, report) = try Self.step(Self.trainer(), examples: examples, privacy: privacy)
        var expected = [Double](repeating: 0, count: Self.width)
        for example in examples {
            let factor = min(1, 1 / (Self.norm(example) + 1e-6))
            for (index, value) in example.enumerated() { expected[index] += factor * Double(value) / 4 }
        }
        for index in 0..<Self.width {
            #expect(abs(gradient[index] - expected[index]) <= 1e-6, "value \(index): \(gradient[index]) vs \(expected[index])")
        }
        // The report: the mean of the examples' values over the batch drawn, and the released gradient's norm.
        #expect(report.loss == 2 && report.sums == [2, 10, 3])
        let releasedNorm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(report.gradientNorm - releasedNorm) <= 1e-6)
    }

    /// Whatever the examples' gradients, no example moves the sum by more than C: with noise off, the step's norm
    /// is at most (examples × C) / B.
    @Test func noExampleCountsForMoreThanTheBound() throws {
        let count = 20
        let examples: [[Float]] = (0..<count).map { index in
            let scale = Float(pow(10, Double(index % 5)))  // norms from about 1 to 10⁴
            return RandomStream(seed: 5, purpose: "test-gradient", id: UInt64(index)).normalFloats(count: Self.width)
                .map { $0 * scale }
        }
        let bound = 0.5
        let privacy = DifferentialPrivacy(maxGradientNorm: bound, noiseMultiplier: 0, expectedBatchSize: Double(count), seed: 0)
        let (gradient, _) = try Self.step(Self.trainer(), examples: examples, privacy: privacy)
        let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(norm <= bound * (1 + 1e-6), "step norm \(norm) above C = \(bound)")
        // Unclipped, the mean of these gradients is far larger: the bound above is the clipping's doing.
        let unclipped = (0..<Self.width).map { index in examples.reduce(0.0) { $0 + Double($1[index]) } / Double(count) }
        #expect(unclipped.reduce(0) { $0 + $1 * $1 }.squareRoot() > 100 * bound)
    }

    /// The noise: N(0, σ²C²) on each value of the sum, divided by B, from the stream of (seed, step).
    @Test func noiseHasTheStatedSpread() throws {
        let width = 200_000
        let privacy = DifferentialPrivacy(maxGradientNorm: 0.5, noiseMultiplier: 2, expectedBatchSize: 4, seed: 11)
        let (gradient, _) = try Self.step(Self.trainer(width: width), examples: [], privacy: privacy)
        let mean = gradient.reduce(0, +) / Double(width)
        let deviation = (gradient.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(width - 1)).squareRoot()
        // σC/B = 0.25; the sample deviation of 200,000 normals is within 0.5 % of the true one (3 standard errors).
        #expect(abs(deviation - 0.25) <= 0.25 * 0.005, "deviation \(deviation)")
        #expect(abs(mean) <= 3 * 0.25 / Double(width).squareRoot(), "mean \(mean)")
        // The same seed and step give the same noise; another seed other noise.
        let (again, _) = try Self.step(Self.trainer(width: width), examples: [], privacy: privacy)
        #expect(again == gradient)
        var other = privacy
        other.seed = 12
        let (different, _) = try Self.step(Self.trainer(width: width), examples: [], privacy: other)
        #expect(zip(different, gradient).filter { $0 != $1 }.count > width / 2)
    }

    /// Two ranks played in one process, each with half the examples: rank 0's step, whose reduction adds rank 1's
    /// clipped sum, equals one process's step over all examples: the noise is added once, to the global sum, and
    /// is the same numbers on every rank.
    @Test func noiseIsAddedOnceAcrossRanks() throws {
        let examples: [[Float]] = (0..<4).map { index in
            RandomStream(seed: 3, purpose: "test-gradient", id: UInt64(index)).normalFloats(count: Self.width).map { $0 * 3 }
        }
        let privacy = DifferentialPrivacy(maxGradientNorm: 1, noiseMultiplier: 1.5, expectedBatchSize: 4, seed: 7)
        let (whole, wholeReport) = try Self.step(Self.trainer(), examples: examples, privacy: privacy)

        // Rank 1's share, as it enters the reduction: its values and its clipped sum.
        struct Handed: Error {}
        var otherValues: [Double] = []
        var otherGradient: [Float] = []
        let rank1 = try Self.trainer()
        #expect(throws: Handed.self) {
            _ = try Self.step(rank1, examples: Array(examples[2...]), privacy: privacy, reduction: GradientReduction(
                sumValues: { values in otherValues = values; return values },
                sumGradients: { gradients in
                    otherGradient = Array(UnsafeBufferPointer(start: gradients.storage.base, count: gradients.count))
                    throw Handed()
                }))
        }
        let reduction = GradientReduction(
            sumValues: { values in zip(values, otherValues).map { $0 + $1 } },
            sumGradients: { gradients in
                for index in 0..<gradients.count { gradients.storage.base[index] += otherGradient[index] }
            })
        let (split, splitReport) = try Self.step(Self.trainer(), examples: Array(examples[..<2]), privacy: privacy,
                                                 reduction: reduction)
        for index in 0..<Self.width {
            #expect(abs(split[index] - whole[index]) <= 1e-6, "value \(index): \(split[index]) vs one process \(whole[index])")
        }
        #expect(splitReport.sums[2] == 4 && wholeReport.sums[2] == 4)
        // Noise drawn on each rank and summed would be another gradient (√2 × the noise, other numbers).
        let noiseScale = privacy.noiseMultiplier * privacy.maxGradientNorm / privacy.expectedBatchSize
        let noiseFree = try Self.step(Self.trainer(), examples: examples,
                                      privacy: DifferentialPrivacy(maxGradientNorm: 1, noiseMultiplier: 0, expectedBatchSize: 4, seed: 7)).gradient
        #expect(zip(whole, noiseFree).contains { abs($0 - $1) > 0.1 * noiseScale }, "the noise must show in the step")
    }
}
