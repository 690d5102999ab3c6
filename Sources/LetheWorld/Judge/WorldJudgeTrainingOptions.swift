import LetheErasure
import LetheTensor
import LetheTraining

/// How a judge trains: AdamW on fresh augmented renders of the train split, a new batch of pictures every step
/// (the world has no end of them, so nothing is seen twice and nothing can be memorised).
public struct WorldJudgeTrainingOptions: Sendable, Equatable, Codable, TrainingLoopOptions {
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
    /// AdamW's other constants: torch's defaults.
    public var beta1: Double { 0.9 }
    public var beta2: Double { 0.999 }
    public var epsilon: Double { 1e-8 }

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
        try validateLoop()
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
