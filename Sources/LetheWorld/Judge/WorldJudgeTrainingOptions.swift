import LetheErasure
import LetheTensor
import LetheTraining

/// How a judge trains: AdamW on fresh augmented renders of the train split, a new batch of pictures every step
/// (the world has no end of them, so nothing is seen twice and nothing can be memorised).
public struct WorldJudgeTrainingOptions: Sendable, Equatable, Codable {
    public var steps = 1000
    /// Pictures per optimizer step across all ranks.
    public var batchSize = 32
    public var learningRate = 2e-3
    public var weightDecay = 1e-2
    /// A diffusers `get_scheduler` name, and its warmup.
    public var schedule = "cosine"
    public var warmupSteps = 50
    /// Seed of the initial weights, the training pictures and their augmentation.
    public var seed: UInt64 = 0
    /// nil: clean renders only.
    public var augmentation: JudgeAugmentation? = .standard

    enum CodingKeys: String, CodingKey {
        case steps, schedule, seed, augmentation
        case batchSize = "batch_size"
        case learningRate = "learning_rate"
        case weightDecay = "weight_decay"
        case warmupSteps = "warmup_steps"
    }

    public init() {}

    /// Checks the numbers before anything is built.
    public func validate() throws {
        guard steps >= 1 else { throw ErasureError.invalidSetting(Setting.steps, reason: "is \(steps); it must be at least 1") }
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
        _ = try LearningRateSchedule(name: schedule, baseLearningRate: learningRate, warmupSteps: warmupSteps, totalSteps: steps)
    }
}

/// How a shipped judge was made, kept in its config.json: the options, the command that ran them, the ranks it
/// ran on, how long training took and the loss it ended at.
public struct WorldJudgeTrainingRecord: Codable, Sendable, Equatable {
    public var options: WorldJudgeTrainingOptions
    public var command: String?
    public var ranks: Int
    public var seconds: Double
    /// The mean loss over the last tenth of the steps.
    public var finalLoss: Double

    enum CodingKeys: String, CodingKey {
        case options, command, ranks, seconds
        case finalLoss = "final_loss"
    }

    public init(options: WorldJudgeTrainingOptions, command: String?, ranks: Int, seconds: Double, finalLoss: Double) {
        self.options = options
        self.command = command
        self.ranks = ranks
        self.seconds = seconds
        self.finalLoss = finalLoss
    }
}
