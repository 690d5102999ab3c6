import Foundation

/// A learning-rate schedule as diffusers' `get_scheduler` makes it (diffusers/optimization.py: a torch `LambdaLR`
/// whose rate is base rate × factor(step)), computed in double precision in Python's order of operations.
///
/// `learningRate(atStep: k)` is the rate of optimizer step k (k = 0, 1, …): what `lr_scheduler.get_last_lr()` gives
/// before the k-th `lr_scheduler.step()`. Count optimizer steps, not batches: with gradient accumulation the
/// schedule advances once per optimizer step. The diffusers examples pass `lr_warmup_steps × num_processes` and
/// `max_train_steps × num_processes` because accelerate steps their scheduler once per process; the rates per
/// optimizer step are the same as passing the unscaled counts here.
public struct LearningRateSchedule: Sendable, Equatable {
    public let kind: Kind
    public let baseLearningRate: Double
    public let warmupSteps: Int
    public let totalSteps: Int
    /// Cosine restarts (`cosine_with_restarts` only; diffusers' `num_cycles`).
    public let cycles: Int
    /// The decay exponent (`polynomial` only).
    public let power: Double
    /// The final rate (`polynomial` only; diffusers' `lr_end`).
    public let endLearningRate: Double

    /// The schedule named `name` (one of `Kind.names`) with diffusers' defaults: 1 cycle, power 1, end rate 1e-7
    /// (`get_scheduler` never passes another end rate). Throws for an unknown name, a base rate that is negative or
    /// not finite, negative step counts or cycles, and a polynomial schedule whose end rate is not below the base
    /// rate (diffusers refuses it) or that has no decay steps (total ≤ warmup, where diffusers would divide by 0).
    public init(name: String, baseLearningRate: Double, warmupSteps: Int = 0, totalSteps: Int = 0, cycles: Int = 1,
                power: Double = 1, endLearningRate: Double = 1e-7) throws(OptimizationError) {
        guard let kind = Kind(rawValue: name) else { throw .unknownSchedule(name: name, validNames: Kind.names) }
        func invalid(_ setting: String, _ value: String, _ expected: String) -> OptimizationError {
            .invalidScheduleSetting(schedule: name, setting: setting, value: value, expected: expected)
        }
        guard baseLearningRate >= 0, baseLearningRate.isFinite else {
            throw invalid("a base learning rate", "\(baseLearningRate)", "finite and ≥ 0")
        }
        guard warmupSteps >= 0 else { throw invalid("warmup steps", "\(warmupSteps)", "≥ 0") }
        guard totalSteps >= 0 else { throw invalid("total steps", "\(totalSteps)", "≥ 0") }
        guard cycles >= 0 else { throw invalid("cycles", "\(cycles)", "≥ 0") }
        if kind == .polynomial {
            guard power.isFinite else { throw invalid("a power", "\(power)", "finite") }
            guard endLearningRate >= 0, endLearningRate < baseLearningRate else {
                throw invalid("an end learning rate", "\(endLearningRate)",
                              "≥ 0 and below the base learning rate \(baseLearningRate)")
            }
            guard totalSteps > warmupSteps else {
                throw invalid("total steps", "\(totalSteps)", "greater than the \(warmupSteps) warmup steps")
            }
        }
        self.kind = kind
        self.baseLearningRate = baseLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.cycles = cycles
        self.power = power
        self.endLearningRate = endLearningRate
    }

    /// The learning rate of optimizer step `step` (≥ 0).
    public func learningRate(atStep step: Int) -> Double {
        precondition(step >= 0, "learning-rate schedules start at step 0, not \(step)")
        return baseLearningRate * factor(atStep: step)
    }

    /// LambdaLR's lambda: diffusers' `lr_lambda` for this kind.
    private func factor(atStep step: Int) -> Double {
        if kind == .constant { return 1 }
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        switch kind {
        case .constant, .constantWithWarmup:
            return 1
        case .linear:
            return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine:
            let progress = decayProgress(atStep: step)
            return max(0, 0.5 * (1 + cos(Double.pi * 0.5 * 2 * progress)))
        case .cosineWithRestarts:
            let progress = decayProgress(atStep: step)
            if progress >= 1 { return 0 }
            let phase = (Double(cycles) * progress).truncatingRemainder(dividingBy: 1)
            return max(0, 0.5 * (1 + cos(Double.pi * phase)))
        case .polynomial:
            if step > totalSteps { return endLearningRate / baseLearningRate }
            let remaining = 1 - Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
            let decayed = (baseLearningRate - endLearningRate) * pow(remaining, power) + endLearningRate
            return decayed / baseLearningRate
        }
    }

    /// How far past the warmup `step` is, as a fraction of the decay steps (beyond 1 after the last step).
    private func decayProgress(atStep step: Int) -> Double {
        Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
    }
}
