import LetheModels
import LetheTensor
import LetheTraining

/// The settings every trained method shares (textual inversion, Forget-Me-Not): the loop, AdamW and the
/// learning-rate schedule, with one check of them and one way to build the training step from them.
public protocol TrainingLoopOptions {
    var steps: Int { get }
    /// Samples per optimizer step across all ranks.
    var batchSize: Int { get }
    var learningRate: Double { get }
    /// A diffusers `get_scheduler` name.
    var schedule: String { get }
    var warmupSteps: Int { get }
    var beta1: Double { get }
    var beta2: Double { get }
    var epsilon: Double { get }
    var weightDecay: Double { get }
    /// Differentially private training (DP-SGD); nil: ordinary training.
    var privacy: PrivacySettings? { get }
}

extension TextualInversionOptions: TrainingLoopOptions {}
extension ForgetMeNotOptions: TrainingLoopOptions {}

extension TrainingLoopOptions {
    /// Ordinary training, for loops that have no privacy setting (the world's model and judge).
    public var privacy: PrivacySettings? { nil }

    /// Checks the loop's numbers before anything loads.
    public func validateLoop() throws {
        guard steps >= 1 else {
            throw ErasureError.invalidSetting(Setting.steps, reason: "is \(steps); it must be at least 1")
        }
        guard batchSize >= 1 else {
            throw ErasureError.invalidSetting(Setting.batchSize, reason: "is \(batchSize); it must be at least 1")
        }
        // Sample indices run up to steps × batch size.
        guard ResourceBounds.product([steps, batchSize]) != nil else {
            throw ErasureError.invalidSetting(
                Setting.steps, reason: "(\(steps)) times \(Setting.batchSize) (\(batchSize)) is beyond the \(Int.max) samples that can be counted")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw ErasureError.invalidSetting(Setting.learningRate, reason: "is \(learningRate); it must be a positive number")
        }
        try privacy?.validate()
    }

    /// The training step on `gradients` with AdamW and the schedule of these options.
    public func trainer(gradients: ParameterGradients, maxGradientNorm: Double?) throws -> DiffusionTrainer {
        DiffusionTrainer(
            gradients: gradients,
            optimizer: try AdamW(for: gradients, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay),
            schedule: try LearningRateSchedule(name: schedule, baseLearningRate: learningRate, warmupSteps: warmupSteps,
                                               totalSteps: steps),
            maxGradientNorm: maxGradientNorm)
    }
}
