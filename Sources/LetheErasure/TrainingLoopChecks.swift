/// The checks every training method makes on its loop settings, with the flags' names in the errors.
enum TrainingLoopChecks {
    static func validate(steps: Int, batchSize: Int, learningRate: Double) throws {
        guard steps >= 1 else {
            throw ErasureError.invalidArgument(name: "--steps", reason: "is \(steps); it must be at least 1")
        }
        guard batchSize >= 1 else {
            throw ErasureError.invalidArgument(name: "--batch-size", reason: "is \(batchSize); it must be at least 1")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw ErasureError.invalidArgument(name: "--lr", reason: "is \(learningRate); it must be a positive number")
        }
    }
}
