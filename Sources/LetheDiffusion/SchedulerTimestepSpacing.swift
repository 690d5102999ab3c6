/// The timestep layouts behind `timestep_spacing`, computed with NumPy's exact arithmetic. The schedulers
/// combine them differently (order, offset, integer or float), as each diffusers class does.
enum SchedulerTimestepSpacing {
    /// "leading": 0, r, 2r, … with r = ⌊train / count⌋, ascending, plus `offset`.
    static func leading(count: Int, trainTimesteps: Int, offset: Int) -> [Int] {
        let ratio = trainTimesteps / count
        return (0..<count).map { $0 * ratio + offset }
    }

    /// "trailing": round(arange(train, 0, −train/count)) − 1, descending. NumPy's float arange can yield one
    /// value too many (ending in −1) for some counts, and so does this, as diffusers does.
    static func trailing(count: Int, trainTimesteps: Int) -> [Int] {
        let ratio = Double(trainTimesteps) / Double(count)
        return SchedulerNumerics.numpyArange(Double(trainTimesteps), 0, step: -ratio).map {
            Int(SchedulerNumerics.roundHalfEven($0)) - 1
        }
    }

    /// "linspace" rounded to integers: round(linspace(0, train − 1, count)), ascending.
    static func linspaceRounded(count: Int, trainTimesteps: Int) -> [Int] {
        SchedulerNumerics.numpyLinspace(0, Double(trainTimesteps - 1), count: count).map {
            Int(SchedulerNumerics.roundHalfEven($0))
        }
    }

    /// Throws unless `count` is between 1 and the number of training timesteps.
    /// The run's timesteps in descending order, as DDPM and DDIM choose them for each spacing.
    static func descending(_ spacing: TimestepSpacing, count: Int, trainTimesteps: Int, offset: Int) -> [Int] {
        switch spacing {
        case .linspace: linspaceRounded(count: count, trainTimesteps: trainTimesteps).reversed()
        case .leading: leading(count: count, trainTimesteps: trainTimesteps, offset: offset).reversed()
        case .trailing: trailing(count: count, trainTimesteps: trainTimesteps)
        }
    }

    static func checkStepCount(_ count: Int, trainTimesteps: Int, kind: SchedulerKind) throws {
        guard count >= 1 else {
            throw SchedulerError.invalidInferenceStepCount(
                scheduler: kind.rawValue, requested: count, numTrainTimesteps: trainTimesteps,
                reason: "at least one step is needed")
        }
        guard count <= trainTimesteps else {
            throw SchedulerError.invalidInferenceStepCount(
                scheduler: kind.rawValue, requested: count, numTrainTimesteps: trainTimesteps,
                reason: "the model was trained on only \(trainTimesteps) timesteps")
        }
    }
}

extension SchedulerTimestepSpacing {
    /// The training-schedule index an integral timestep names; throws for fractional or out-of-range values.
    static func trainingIndex(_ timestep: Float, trainTimesteps: Int, kind: SchedulerKind) throws -> Int {
        guard let index = Int(exactly: timestep) else {
            throw SchedulerError.timestepNotInSchedule(scheduler: kind.rawValue, timestep: timestep)
        }
        guard index >= 0, index < trainTimesteps else {
            throw SchedulerError.timestepOutOfRange(scheduler: kind.rawValue, timestep: timestep,
                                                    numTrainTimesteps: trainTimesteps)
        }
        return index
    }
}
