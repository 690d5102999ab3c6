import LetheTensor

/// The checks every training method makes on its loop settings, with the flags' names in the errors.
enum TrainingLoopChecks {
    static func validate(steps: Int, batchSize: Int, learningRate: Double) throws {
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
    }
}
