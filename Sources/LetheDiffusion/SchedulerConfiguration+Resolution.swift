// Turning optional configuration values into checked settings, with the defaults of a given class.

extension SchedulerConfiguration {
    /// The option `raw` names, or `fallback` when absent; an unknown name is an `invalidValue` error.
    func option<Option: RawRepresentable & CaseIterable>(
        _ raw: String?, key: CodingKeys, default fallback: Option
    ) throws -> Option where Option.RawValue == String {
        guard let raw else { return fallback }
        guard let option = Option(rawValue: raw) else {
            let accepted = Option.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw SchedulerError.invalidValue(key: key.rawValue, value: "\"\(raw)\"", expected: "one of \(accepted)")
        }
        return option
    }

    /// The prediction type, refusing those `kind` cannot step with.
    func predictionType(for kind: SchedulerKind, supported: [PredictionType] = PredictionType.allCases)
        throws -> PredictionType
    {
        // Euler discrete also accepts diffusers' older spelling of "sample".
        let raw = kind == .eulerDiscrete && predictionType == "original_sample" ? "sample" : predictionType
        let type = try option(raw, key: .predictionType, default: PredictionType.epsilon)
        guard supported.contains(type) else {
            throw SchedulerError.unsupportedOption(
                scheduler: kind.rawValue, key: CodingKeys.predictionType.rawValue, value: "\"\(type.rawValue)\"",
                reason: "diffusers' \(kind.rawValue) steps only "
                    + supported.map { "\"\($0.rawValue)\"" }.joined(separator: " or ") + " models")
        }
        return type
    }

    func timestepSpacing(default fallback: TimestepSpacing) throws -> TimestepSpacing {
        try option(timestepSpacing, key: .timestepSpacing, default: fallback)
    }

    /// `steps_offset`, which must not be negative.
    func checkedStepsOffset() throws -> Int {
        let offset = stepsOffset ?? 0
        guard offset >= 0 else {
            throw SchedulerError.invalidValue(key: CodingKeys.stepsOffset.rawValue, value: "\(offset)",
                                              expected: "a count of zero or more")
        }
        return offset
    }

    /// A positive finite number, or `fallback` when absent.
    func positive(_ value: Double?, key: CodingKeys, default fallback: Double) throws -> Double {
        let resolved = value ?? fallback
        guard resolved.isFinite, resolved > 0 else {
            throw SchedulerError.invalidValue(key: key.rawValue, value: "\(resolved)", expected: "a positive number")
        }
        return resolved
    }

    /// The most training timesteps a configuration may give: Stable Diffusion uses 1000, no scheduler in use more
    /// than a few thousand.
    static let maximumTrainTimesteps = 100_000

    /// The training noise schedule with the defaults every diffusers scheduler shares (linear, 1e-4 … 0.02).
    func noiseSchedule(allowsZeroTerminalSNR: Bool, for kind: SchedulerKind) throws -> NoiseSchedule {
        let count = numTrainTimesteps ?? 1000
        // Every table (betas, alphas, sigmas, timesteps) has one entry per training timestep: an absurd count in a
        // downloaded config would otherwise take gigabytes and minutes before anything could fail.
        guard count >= 1, count <= Self.maximumTrainTimesteps else {
            throw SchedulerError.invalidValue(key: CodingKeys.numTrainTimesteps.rawValue, value: "\(count)",
                                              expected: "a positive count, at most \(Self.maximumTrainTimesteps)")
        }
        let schedule = try option(betaSchedule, key: .betaSchedule, default: BetaSchedule.linear)
        let start = betaStart ?? 0.0001, end = betaEnd ?? 0.02
        // A beta is the variance of one noising step: 1 or more leaves no signal (and NaN in the square roots).
        for (key, value) in [(CodingKeys.betaStart, start), (.betaEnd, end)] where !(value.isFinite && value >= 0 && value < 1) {
            throw SchedulerError.invalidValue(key: key.rawValue, value: "\(value)", expected: "a number in [0, 1)")
        }
        if let trainedBetas {
            guard trainedBetas.count == count else {
                throw SchedulerError.invalidValue(
                    key: CodingKeys.trainedBetas.rawValue, value: "\(trainedBetas.count) betas",
                    expected: "one beta per training timestep (\(count))")
            }
            guard trainedBetas.allSatisfy({ $0.isFinite && $0 >= 0 && $0 < 1 }) else {
                throw SchedulerError.invalidValue(key: CodingKeys.trainedBetas.rawValue, value: "\(trainedBetas)",
                                                  expected: "betas in [0, 1)")
            }
        }
        // PNDM has no such option; diffusers drops the key when building it, and so do we.
        let rescale = allowsZeroTerminalSNR && (rescaleBetasZeroSnr ?? false)
        return NoiseSchedule(
            numTrainTimesteps: count, betaStart: start, betaEnd: end, schedule: schedule,
            trainedBetas: trainedBetas, rescaleToZeroTerminalSNR: rescale)
    }
}
