import LetheDiffusion
import LetheModels
import LetheTensor

/// The training step of diffusers' training examples for the UNet's parameters: forward and backward of the
/// diffusion objective, optional reduction of the gradients across processes, clipping by global norm, the
/// learning rate of the schedule, the optimizer step.
public final class DiffusionTrainer {
    public let unet: UNet2DConditionModel
    public let objective: DiffusionObjective
    public let gradients: ParameterGradients
    public var optimizer: any Optimizer
    public let schedule: LearningRateSchedule
    /// Clip the global gradient norm to this (diffusers' `--max_grad_norm`, 1.0 by default there); nil: no clipping.
    public var maxGradientNorm: Double?
    public var checkpointing: GradientCheckpointing
    /// Optimizer steps taken so far (the schedule's step).
    public private(set) var stepsTaken = 0

    /// What one step measured.
    public struct StepReport: Sendable {
        public let loss: Double
        /// Global gradient norm before clipping.
        public let gradientNorm: Double
        public let learningRate: Double
    }

    public init(unet: UNet2DConditionModel, objective: DiffusionObjective, gradients: ParameterGradients,
                optimizer: any Optimizer, schedule: LearningRateSchedule, maxGradientNorm: Double? = 1,
                checkpointing: GradientCheckpointing = .none) {
        self.unet = unet
        self.objective = objective
        self.gradients = gradients
        self.optimizer = optimizer
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
        self.checkpointing = checkpointing
    }

    /// One optimizer step on `batch`. `reduce` combines the gradient buffer across data-parallel processes (an
    /// allreduce averaging it) before clipping; the loss it is given is reduced the same way by the caller.
    @discardableResult
    public func step(_ batch: DiffusionTrainingBatch, hooks: AttentionHooks = AttentionHooks(),
                     reduce: (ParameterGradients) -> Void = { _ in }) throws -> StepReport {
        gradients.zero()
        let tape = ActivationTape(hooks: hooks, checkpointing: checkpointing)
        let (loss, _) = try objective.lossAndGradients(unet: unet, batch: batch, gradients: gradients, tape: tape)
        guard loss.isFinite else { throw TrainingStepError.nonFiniteLoss(step: stepsTaken, loss: loss) }
        reduce(gradients)
        let norm = maxGradientNorm.map { gradients.clipGlobalNorm(maxNorm: $0) } ?? gradients.globalNorm()
        guard norm.isFinite else { throw TrainingStepError.nonFiniteGradient(step: stepsTaken, norm: norm) }
        let learningRate = schedule.learningRate(atStep: stepsTaken)
        optimizer.step(gradients: gradients, learningRate: learningRate)
        stepsTaken += 1
        return StepReport(loss: loss, gradientNorm: norm, learningRate: learningRate)
    }
}
