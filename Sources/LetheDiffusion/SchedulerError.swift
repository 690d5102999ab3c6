/// What can go wrong configuring or running a noise scheduler.
public enum SchedulerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The configuration file could not be read or is not a valid scheduler_config.json.
    case unreadableConfiguration(source: String, reason: String)
    /// `_class_name` names a scheduler this package does not implement.
    case unsupportedScheduler(className: String)
    /// A key holds a value outside what diffusers accepts for it.
    case invalidValue(key: String, value: String, expected: String)
    /// A key of a scheduler_config.json file holds a value outside what is accepted.
    case invalidFileValue(source: String, key: String, value: String, expected: String)
    /// A value diffusers accepts but this implementation does not (with the reason).
    case unsupportedOption(scheduler: String, key: String, value: String, reason: String)
    /// `setTimesteps` was asked for a step count the training schedule cannot provide.
    case invalidInferenceStepCount(scheduler: String, requested: Int, numTrainTimesteps: Int, reason: String)
    /// `step` or `scaleModelInput` was called before `setTimesteps`.
    case timestepsNotSet(scheduler: String)
    /// `step` was called again after the last timestep of the run.
    case runFinished(scheduler: String, steps: Int)
    /// The timestep passed to `step` or `scaleModelInput` is not one of the scheduler's timesteps.
    case timestepNotInSchedule(scheduler: String, timestep: Float)
    /// A timestep indexes outside the training schedule.
    case timestepOutOfRange(scheduler: String, timestep: Float, numTrainTimesteps: Int)
    /// The step adds noise but no noise tensor was given.
    case missingNoise(scheduler: String, timestep: Float)
    /// A tensor argument has the wrong shape.
    case shapeMismatch(argument: String, expected: [Int], found: [Int])
    /// The number of per-item timesteps does not match the batch.
    case timestepCountMismatch(count: Int, batchSize: Int)

    public var description: String {
        switch self {
        case .unreadableConfiguration(let source, let reason):
            return "Could not read the scheduler configuration \(source): \(reason)."
        case .unsupportedScheduler(let className):
            return "The scheduler class \"\(className)\" is not supported; expected one of "
                + SchedulerKind.allCases.map(\.rawValue).joined(separator: ", ") + "."
        case .invalidValue(let key, let value, let expected):
            return "The scheduler configuration key \"\(key)\" has the value \(value); expected \(expected)."
        case .invalidFileValue(let source, let key, let value, let expected):
            return "Scheduler configuration '\(source)': \"\(key)\" has the value \(value); expected \(expected)."
        case .unsupportedOption(let scheduler, let key, let value, let reason):
            return "\(scheduler) does not support \"\(key)\" = \(value): \(reason)."
        case .invalidInferenceStepCount(let scheduler, let requested, let numTrainTimesteps, let reason):
            return "\(scheduler) cannot run \(requested) inference steps with \(numTrainTimesteps) training "
                + "timesteps: \(reason)."
        case .timestepsNotSet(let scheduler):
            return "\(scheduler) has no inference timesteps yet; call setTimesteps(_:) before stepping."
        case .runFinished(let scheduler, let steps):
            return "\(scheduler) has already taken all \(steps) steps of this run; call setTimesteps(_:) to "
                + "start another."
        case .timestepNotInSchedule(let scheduler, let timestep):
            return "The timestep \(timestep) is not one of \(scheduler)'s timesteps; pass the values of `timesteps`."
        case .timestepOutOfRange(let scheduler, let timestep, let numTrainTimesteps):
            return "\(scheduler) got the timestep \(timestep), outside the training schedule 0..<\(numTrainTimesteps)."
        case .missingNoise(let scheduler, let timestep):
            return "\(scheduler) adds noise at timestep \(timestep) but no noise tensor was passed to step."
        case .shapeMismatch(let argument, let expected, let found):
            return "The tensor \(argument) has shape \(found); expected \(expected)."
        case .timestepCountMismatch(let count, let batchSize):
            return "Got \(count) timesteps for a batch of \(batchSize); expected one per batch item or a single one."
        }
    }
}
