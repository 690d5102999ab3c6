/// Mistakes in setting up an optimizer or a learning-rate schedule, or in restoring an optimizer's state, named with
/// what was given and what was expected.
public enum OptimizationError: Error, CustomStringConvertible, Equatable {
    /// A hyper-parameter outside its valid range (torch.optim raises ValueError for the same values).
    case invalidHyperparameter(optimizer: String, name: String, value: Double, expected: String)
    /// Nesterov momentum without momentum, or with dampening (torch.optim.SGD refuses both).
    case nesterovNeedsMomentumWithoutDampening(momentum: Double, dampening: Double)
    /// A learning-rate schedule name that diffusers' `get_scheduler` does not know.
    case unknownSchedule(name: String, validNames: [String])
    /// A schedule setting outside its valid range.
    case invalidScheduleSetting(schedule: String, setting: String, value: String, expected: String)
    /// A restored optimizer state lacks a buffer the optimizer keeps.
    case missingState(optimizer: String, name: String)
    /// A restored optimizer state has a buffer the optimizer does not keep.
    case unexpectedState(optimizer: String, name: String)
    /// A restored state buffer does not match the gradient buffer's size.
    case stateSizeMismatch(optimizer: String, name: String, expected: Int, found: [Int])
    /// A restored step count below zero.
    case negativeStepCount(optimizer: String, stepCount: Int)

    public var description: String {
        switch self {
        case .invalidHyperparameter(let optimizer, let name, let value, let expected):
            "The \(optimizer) hyper-parameter \(name) must be \(expected), but it is \(value)."
        case .nesterovNeedsMomentumWithoutDampening(let momentum, let dampening):
            "SGD with Nesterov momentum needs momentum > 0 and dampening 0, but momentum is \(momentum) and dampening "
                + "is \(dampening)."
        case .unknownSchedule(let name, let validNames):
            "There is no learning-rate schedule named '\(name)'; the schedules are "
                + validNames.map { "'\($0)'" }.joined(separator: ", ") + "."
        case .invalidScheduleSetting(let schedule, let setting, let value, let expected):
            "The '\(schedule)' learning-rate schedule needs \(setting) \(expected), but it is \(value)."
        case .missingState(let optimizer, let name):
            "The \(optimizer) state to restore has no '\(name)' buffer."
        case .unexpectedState(let optimizer, let name):
            "The \(optimizer) state to restore has a '\(name)' buffer, which \(optimizer) does not keep."
        case .stateSizeMismatch(let optimizer, let name, let expected, let found):
            "The \(optimizer) state buffer '\(name)' must have shape [\(expected)] (the gradient buffer's size), "
                + "but it has shape \(found)."
        case .negativeStepCount(let optimizer, let stepCount):
            "The \(optimizer) state to restore has step count \(stepCount); it must be 0 or more."
        }
    }
}
