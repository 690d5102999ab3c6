import LetheDiffusion
import LetheModels
import LetheTelemetry
import LetheTensor

/// The one place an optimizer step happens, for every method that trains (the UNet on the diffusion objective,
/// textual inversion's rows, Forget-Me-Not's attention loss): zero the gradients → the method's forward and backward
/// → sum across data-parallel processes → check → clip by global norm → the schedule's learning rate → the optimizer
/// → count the step. A step that fails a check leaves the weights untouched.
public final class DiffusionTrainer {
    public let gradients: ParameterGradients
    public var optimizer: any Optimizer
    public let schedule: LearningRateSchedule
    /// Clip the global gradient norm to this (diffusers' `--max_grad_norm`, 1.0 by default there); nil: no clipping.
    public var maxGradientNorm: Double?
    /// Optimizer steps taken so far (the schedule's step).
    public private(set) var stepsTaken = 0

    /// What one step measured, over the global batch.
    public struct StepReport: Sendable {
        public let loss: Double
        /// Global gradient norm before clipping.
        public let gradientNorm: Double
        public let learningRate: Double
        /// The method's values (`LocalLoss.sums`) summed across processes.
        public let sums: [Double]
    }

    /// What a method's forward and backward leave on one process, and how its share combines with the others'.
    public struct LocalLoss {
        /// Summed across processes before anything else; the method's loss and any measurements ride along.
        public var sums: [Double]
        /// The global loss from the summed values.
        public var globalLoss: ([Double]) -> Double
        /// What this process's gradient is multiplied by before the gradients are summed, given the summed values.
        public var gradientScale: ([Double]) -> Double

        public init(sums: [Double], globalLoss: @escaping ([Double]) -> Double,
                    gradientScale: @escaping ([Double]) -> Double) {
            self.sums = sums
            self.globalLoss = globalLoss
            self.gradientScale = gradientScale
        }

        /// A batch-mean loss of which this process holds `weight` (its samples / the global batch): the global loss
        /// is the sum of the weighted local ones, and so is the gradient. `extra` values are summed alongside.
        public static func batchMean(_ loss: Double, weight: Double, extra: [Double] = []) -> LocalLoss {
            LocalLoss(sums: [loss * weight] + extra, globalLoss: { $0[0] }, gradientScale: { _ in weight })
        }
    }

    public init(gradients: ParameterGradients, optimizer: any Optimizer, schedule: LearningRateSchedule,
                maxGradientNorm: Double? = 1) {
        self.gradients = gradients
        self.optimizer = optimizer
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
    }

    /// One optimizer step. `lossAndGradients` runs the method's forward and backward, accumulating into the (zeroed)
    /// gradient buffer it is given; `reduction` sums across data-parallel processes (every process takes the same
    /// step, so all of them must call this together).
    @discardableResult
    public func step(reduction: GradientReduction = .none,
                     _ lossAndGradients: (ParameterGradients) throws -> LocalLoss) throws -> StepReport {
        gradients.zero()
        let local = try lossAndGradients(gradients)
        let sums = try reduction.sumValues(local.sums)
        let loss = local.globalLoss(sums)
        guard loss.isFinite else { throw TrainingStepError.nonFiniteLoss(step: stepsTaken, loss: loss) }
        let scale = local.gradientScale(sums)
        if scale != 1 { gradients.flat.scaleInPlace(by: Float(scale)) }
        try reduction.sumGradients(gradients)
        return try update(loss: loss, sums: sums, maxGradientNorm: maxGradientNorm)
    }

    /// The end of every step, once the global gradient is in the buffer: check, clip (when `maxGradientNorm` is
    /// set), the schedule's learning rate, the optimizer, count the step.
    func update(loss: Double, sums: [Double], maxGradientNorm: Double?) throws -> StepReport {
        let (norm, learningRate) = try Activity.measure(.optimizer, "optimizer") {
            let norm = maxGradientNorm.map { gradients.clipGlobalNorm(maxNorm: $0) } ?? gradients.globalNorm()
            guard norm.isFinite else { throw TrainingStepError.nonFiniteGradient(step: stepsTaken, norm: norm) }
            let learningRate = schedule.learningRate(atStep: stepsTaken)
            optimizer.step(gradients: gradients, learningRate: learningRate)
            return (norm, learningRate)
        }
        stepsTaken += 1
        return StepReport(loss: loss, gradientNorm: norm, learningRate: learningRate, sums: sums)
    }

    /// The step of diffusers' training examples for the UNet's parameters: the diffusion objective on `batch`, of
    /// which this process holds `weight` of the global batch.
    @discardableResult
    public func step(_ batch: DiffusionTrainingBatch, unet: UNet2DConditionModel, objective: DiffusionObjective,
                     hooks: AttentionHooks = AttentionHooks(), checkpointing: GradientCheckpointing = .none,
                     weight: Double = 1, reduction: GradientReduction = .none) throws -> StepReport {
        try step(reduction: reduction) { gradients in
            let tape = ActivationTape(hooks: hooks, checkpointing: checkpointing)
            let (loss, _) = try objective.lossAndGradients(unet: unet, batch: batch, gradients: gradients, tape: tape)
            return .batchMean(loss, weight: weight)
        }
    }
}

extension DiffusionTrainer {
    /// What a checkpoint keeps of the training, by parameter name: each trained value ("trained/NAME", the selected
    /// rows only for a row selection) and each optimizer state buffer over it ("optimizer/STATE/NAME"), as copies.
    /// With `stepsTaken` (the optimizer's step count is the same) that is everything a step depends on.
    public func checkpointTensors() -> [(name: String, values: Tensor)] {
        let trained = Tensor(zeros: [gradients.count])
        for segment in gradients.segments {
            (trained.pointer + segment.gradientOffset).update(from: gradients.parameters.base + segment.parameterOffset,
                                                              count: segment.count)
        }
        var tensors: [(String, Tensor)] = []
        let state = optimizer.state.sorted { $0.key < $1.key }
        for entry in gradients.entries {
            // The parameter's shape, or [rows, width] for a row selection.
            let shape = entry.rows.map { [$0.count, entry.count / max($0.count, 1)] } ?? entry.shape
            func part(_ buffer: Tensor) -> Tensor {
                buffer.narrowed(axis: 0, start: entry.gradientOffset, length: entry.count).copy().reshaped(shape)
            }
            tensors.append(("trained/\(entry.name)", part(trained)))
            for (name, buffer) in state { tensors.append(("optimizer/\(name)/\(entry.name)", part(buffer))) }
        }
        return tensors
    }

    /// Restores what `checkpointTensors()` saved, after `stepsTaken` steps. `tensor(name, count)` returns the saved
    /// values of that name (it throws for a missing or mis-sized one); nothing changes unless every tensor is there.
    public func restore(stepsTaken steps: Int, tensor: (String, Int) throws -> Tensor) throws {
        let trained = Tensor(zeros: [gradients.count])
        let state: [String: Tensor] = optimizer.state.mapValues { _ in Tensor(zeros: [gradients.count]) }
        for entry in gradients.entries {
            let saved = try tensor("trained/\(entry.name)", entry.count).contiguous()
            (trained.pointer + entry.gradientOffset).update(from: saved.pointer, count: entry.count)
            for (name, buffer) in state {
                let values = try tensor("optimizer/\(name)/\(entry.name)", entry.count).contiguous()
                (buffer.pointer + entry.gradientOffset).update(from: values.pointer, count: entry.count)
            }
        }
        try optimizer.restore(state: state, stepCount: steps)
        for segment in gradients.segments {
            (gradients.parameters.base + segment.parameterOffset).update(from: trained.pointer + segment.gradientOffset,
                                                                         count: segment.count)
        }
        stepsTaken = steps
    }
}

/// How a step's values and gradients are summed across data-parallel processes; `.none` for one process.
public struct GradientReduction {
    public var sumValues: ([Double]) throws -> [Double]
    /// Sums the gradient buffer in place.
    public var sumGradients: (ParameterGradients) throws -> Void

    public init(sumValues: @escaping ([Double]) throws -> [Double],
                sumGradients: @escaping (ParameterGradients) throws -> Void) {
        self.sumValues = sumValues
        self.sumGradients = sumGradients
    }

    public static var none: GradientReduction { GradientReduction(sumValues: { $0 }, sumGradients: { _ in }) }
}
