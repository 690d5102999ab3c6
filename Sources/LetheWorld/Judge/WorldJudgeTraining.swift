import Foundation
import LetheDistributed
import LetheErasure
import LetheModels
import LetheTelemetry
import LetheTensor
import LetheTraining

/// Trains a judge from scratch: PyTorch-default initial weights, AdamW through the one training step
/// (`DiffusionTrainer.step`) on `JudgeLoss`, each step on a fresh batch of augmented train-split pictures.
/// Data-parallel across MPI ranks: each rank renders and runs its share of the global batch, and the step sums
/// the losses and gradients, so every rank holds the same judge and the result does not depend on the ranks.
public final class WorldJudgeTraining {
    public let options: WorldJudgeTrainingOptions
    public let judge: WorldJudge
    public let weights: WeightStore
    /// The training step over every parameter, unclipped: GroupNorm after every convolution keeps the gradients
    /// tame, and AdamW's steps are bounded by the learning rate anyway.
    public let trainer: DiffusionTrainer
    public let images: JudgeImages
    public var stepsTaken: Int { trainer.stepsTaken }
    /// Samples per pixel side of the training renders.
    public static let trainingSupersampling = 2

    /// What one optimizer step measured, over the global batch.
    public struct StepReport: Sendable, Codable {
        public let loss: Double
        /// The loss's parts: shape and colour binary cross-entropies, artist cross-entropy.
        public let shapeLoss: Double
        public let colorLoss: Double
        public let artistLoss: Double
        public let gradientNorm: Double
        public let learningRate: Double
    }

    public init(configuration: WorldJudgeConfiguration = WorldJudgeConfiguration(),
                options: WorldJudgeTrainingOptions) throws {
        try options.validate()
        try configuration.validate(source: "the judge's configuration")
        self.options = options
        (judge, weights) = try WorldJudge.initialized(configuration: configuration, seed: options.seed)
        Self.startFromPriors(judge)
        let gradients = try ParameterGradients(store: weights, selection: .all, modelName: "the judge")
        trainer = try options.trainer(gradients: gradients, maxGradientNorm: nil)
        // 2×2 samples per pixel rather than the dataset's 4×4: a quarter of the rendering time, and edge pixels off
        // by at most an eighth of the edge's contrast, less than the augmentation's softening changes them.
        images = JudgeImages(dataset: WorldDataset(seed: options.seed, split: .train), size: configuration.imageSize,
                             augmentation: options.augmentation, supersampling: Self.trainingSupersampling)
    }

    /// Starts each multi-label head's biases at the log-odds of a label being present in a train picture (a picture
    /// shows 1 + `WorldDataset.twoObjectRate` of a head's labels on average), as RetinaNet starts its classifier: the
    /// untrained judge then already says "mostly absent", and the first steps go into what a picture shows instead
    /// of into how rare each label is (from zero biases that alone took the colour head a few hundred steps).
    static func startFromPriors(_ judge: WorldJudge) {
        for head in [judge.shapeHead, judge.colorHead] {
            guard let bias = head.bias else { continue }
            let present = (1 + WorldDataset.twoObjectRate) / Double(head.outFeatures)
            bias.fill(Float(log(present / (1 - present))))
        }
    }

    /// One optimizer step on the train-split samples `samples` (this rank's part of the global batch, of which it
    /// holds `weight`).
    @discardableResult
    public func step(samples: [Int], weight: Double = 1, reduction: GradientReduction = .none) throws -> StepReport {
        let (pixels, drawn) = try Activity.measure(.data, "render") { try images.batch(samples) }
        let targets = try JudgeTargets(samples: drawn, configuration: judge.configuration)
        let report = try trainer.step(reduction: reduction) { gradients in
            let tape = ActivationTape()
            let output = Activity.measure(.forward, "judge forward") { judge.forward(pixels, tape: tape) }
            let loss = JudgeLoss.evaluate(output, targets: targets)
            _ = Activity.measure(.backward, "judge backward") {
                judge.backward(loss.gradient, tape: tape, gradients: gradients)
            }
            precondition(tape.count == 0, "the judge's backward pass left \(tape.count) values on its tape")
            return .batchMean(loss.loss, weight: weight, extra: [loss.shape * weight, loss.color * weight, loss.artist * weight])
        }
        return StepReport(loss: report.loss, shapeLoss: report.sums[1], colorLoss: report.sums[2], artistLoss: report.sums[3],
                          gradientNorm: report.gradientNorm, learningRate: report.learningRate)
    }

    /// Trains for `options.steps` steps with the global batch split across the ranks of `communicator`.
    /// `progress(step, report)` runs after each step on every rank.
    @discardableResult
    public func train(communicator: Communicator = .singleProcess(),
                      progress: (Int, StepReport) -> Void = { _, _ in }) throws -> [StepReport] {
        try DataParallelTraining(globalBatch: options.batchSize, communicator: communicator).run(
            trainer: trainer, steps: options.steps,
            step: { samples, weight, reduction in try step(samples: samples, weight: weight, reduction: reduction) },
            progress: progress)
    }
}
