import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheTensor
import LetheTraining

/// Differentially private training (DP-SGD) for textual inversion and Forget-Me-Not on private images: each
/// step's batch is a Poisson sample of the images (each joins with probability q = batch size / images, on its
/// own), each example's gradient is clipped to `maxGradientNorm`, and Gaussian noise of σ times that norm is added
/// once to the global sum (`DifferentialPrivacy`). Opacus's RDP accountant (`RDPAccountant`) turns σ, q, the steps
/// and δ into ε.
public struct PrivacySettings: Sendable, Equatable {
    /// C, each example's gradient-norm bound.
    public var maxGradientNorm: Double
    /// σ; nil: searched from `targetEpsilon`.
    public var noiseMultiplier: Double?
    /// The ε to spend over all the steps; nil: `noiseMultiplier` is given.
    public var targetEpsilon: Double?
    /// δ; nil: ``defaultDelta(examples:)``.
    public var delta: Double?
    /// Keys the noise and the Poisson sampling; nil: a secret seed from the system's cryptographic generator. Whoever
    /// knows the seed can subtract the noise and see which images each step used, so give one only to reproduce a
    /// run (tests, the checks across rank counts).
    public var seed: UInt64?

    public init(maxGradientNorm: Double, noiseMultiplier: Double? = nil, targetEpsilon: Double? = nil, delta: Double? = nil,
                seed: UInt64? = nil) {
        self.maxGradientNorm = maxGradientNorm
        self.noiseMultiplier = noiseMultiplier
        self.targetEpsilon = targetEpsilon
        self.delta = delta
        self.seed = seed
    }

    /// δ when none is given: 1 / (10 N) for N images, below the 1/N at which (ε, δ) stops meaning anything (a
    /// mechanism that publishes one image in N at random satisfies (0, 1/N)-DP).
    public static func defaultDelta(examples: Int) -> Double { 1 / (10 * Double(examples)) }

    /// Checks what can be checked before the images are counted.
    public func validate() throws {
        guard maxGradientNorm > 0, maxGradientNorm.isFinite else {
            throw PrivacyError.invalidSetting(.privacyClip, reason: "is \(maxGradientNorm); it must be a positive number")
        }
        switch (noiseMultiplier, targetEpsilon) {
        case (nil, nil):
            throw PrivacyError.invalidSetting(.noiseMultiplier, reason: "or \(Setting.targetEpsilon) is needed with \(Setting.privacyClip)")
        case (.some, .some):
            throw PrivacyError.invalidSetting(.noiseMultiplier, reason: "and \(Setting.targetEpsilon) are both given; give one")
        case (let sigma?, nil):
            try RDPAccountant.validate(noiseMultiplier: sigma)
        case (nil, let epsilon?):
            guard epsilon > 0, epsilon.isFinite else {
                throw PrivacyError.invalidSetting(.targetEpsilon, reason: "is \(epsilon); it must be a positive number")
            }
        }
        if let delta, !(delta > 0 && delta < 1) {
            throw PrivacyError.invalidSetting(.delta, reason: "is \(delta); it must be above 0 and below 1")
        }
    }

    /// The plan for `examples` images, `batchSize` expected per step and `steps` steps: q, δ, σ (given, or the
    /// least Opacus's search finds within its tolerance for the target ε); `seed` keys the noise and the sampling.
    public func plan(examples: Int, batchSize: Int, steps: Int, seed: UInt64) throws -> PrivacyPlan {
        try validate()
        guard batchSize <= examples else {
            throw PrivacyError.invalidSetting(
                .batchSize, reason: "is \(batchSize); with differential privacy it is the expected size of a Poisson sample of the \(examples) images, so at most \(examples)")
        }
        let rate = Double(batchSize) / Double(examples)
        let delta = delta ?? Self.defaultDelta(examples: examples)
        let sigma = try noiseMultiplier ?? RDPAccountant.noiseMultiplier(
            targetEpsilon: targetEpsilon!, delta: delta, sampleRate: rate, steps: steps)
        let step = DifferentialPrivacy(maxGradientNorm: maxGradientNorm, noiseMultiplier: sigma,
                                       expectedBatchSize: Double(batchSize), seed: seed)
        return PrivacyPlan(step: step, examples: examples, sampleRate: rate, delta: delta, steps: steps,
                           targetEpsilon: targetEpsilon)
    }
}

/// DP-SGD as a job runs it: the step's settings, the sampling and the accounting.
public struct PrivacyPlan: Sendable {
    public let step: DifferentialPrivacy
    public let examples: Int
    /// q: each image's probability of joining a step's batch.
    public let sampleRate: Double
    public let delta: Double
    /// The steps the job will take (ε is for these).
    public let steps: Int
    public let targetEpsilon: Double?

    /// The Poisson sample of each step.
    public var sampling: PoissonSampling {
        PoissonSampling(examples: examples, sampleRate: sampleRate, seed: step.seed)
    }

    /// What `steps` steps spend.
    public func spent(steps: Int) throws -> PrivacySpent {
        try RDPAccountant.privacySpent(noiseMultiplier: step.noiseMultiplier, sampleRate: sampleRate, steps: steps, delta: delta)
    }

    /// The report's section after `steps` steps.
    public func report(steps: Int) throws -> PrivacyReport {
        let spent = try spent(steps: steps)
        return PrivacyReport(epsilon: spent.epsilon, delta: delta, order: spent.order, steps: steps,
                             noiseMultiplier: step.noiseMultiplier, maxGradientNorm: step.maxGradientNorm,
                             sampleRate: sampleRate, examples: examples, expectedBatchSize: Int(step.expectedBatchSize),
                             targetEpsilon: targetEpsilon)
    }

    /// One line for the log before training.
    public func summary() throws -> String {
        let planned = try spent(steps: steps)
        let sigma = targetEpsilon.map { "noise multiplier \(step.noiseMultiplier) (found for target ε \($0))" }
            ?? "noise multiplier \(step.noiseMultiplier)"
        return "differential privacy: Poisson sampling of the \(examples) images at rate \(sampleRate) (expected batch "
            + "\(Int(step.expectedBatchSize))), each example's gradient clipped to norm \(step.maxGradientNorm), \(sigma); "
            + "after \(steps) steps ε = \(String(format: "%.4g", planned.epsilon)) at δ = \(delta) (Opacus's RDP accountant)"
    }

    /// Why the guarantee may say little: δ at or above 1/N, or ε above 10 (e^10: an attacker's odds may move
    /// 22,000-fold).
    public func warnings() throws -> [String] {
        var warnings: [String] = []
        if delta >= 1 / Double(examples) {
            warnings.append("\(Setting.delta) \(delta) is not below 1 / \(examples) (the images): at that δ the guarantee allows releasing one image outright; use a δ well below 1/N")
        }
        let planned = try spent(steps: steps)
        if planned.epsilon > 10 {
            warnings.append("ε = \(String(format: "%.4g", planned.epsilon)) after \(steps) steps is above 10: with \(examples) images the guarantee says little; use more images, fewer steps, a smaller batch or more noise")
        }
        return warnings
    }
}

/// The privacy a trained output was made with, in its report: (ε, δ)-DP for the images, after `steps` steps.
public struct PrivacyReport: Codable, Sendable, Equatable {
    public var epsilon: Double
    public var delta: Double
    /// The Rényi order the conversion chose.
    public var order: Double
    public var steps: Int
    public var noiseMultiplier: Double
    public var maxGradientNorm: Double
    public var sampleRate: Double
    public var examples: Int
    public var expectedBatchSize: Int
    public var targetEpsilon: Double?
    public var sampling = "poisson"
    public var accountant = "rdp (Opacus RDPAccountant, default orders)"
}

/// What the training jobs do about privacy, in one place: plan and log it before training, keep it in each
/// checkpoint, report it at the end.
enum PrivateTraining {
    /// The plan for this job's images, logged with its warnings. The seed of the noise and the sampling: the one a
    /// resumed job's checkpoint kept, the one given, or a secret one rank 0 draws from the system's cryptographic
    /// generator and sends to the others (every rank must add the same noise).
    static func plan(_ settings: PrivacySettings, examples: Int, options: some TrainingLoopOptions,
                     resumed: LoadedCheckpoint?, communicator: Communicator, log: (String) -> Void) throws -> PrivacyPlan {
        let seed: UInt64
        if let resumed {
            guard let saved = resumed.manifest.state[seedKey].flatMap(UInt64.init) else {
                throw CheckpointError.corrupt(path: resumed.url.path, reason: "its state has no '\(seedKey)' for the privacy noise")
            }
            seed = saved
        } else if let given = settings.seed {
            seed = given
        } else {
            var generator = SystemRandomNumberGenerator()
            let drawn = Int64(bitPattern: generator.next())
            seed = UInt64(bitPattern: try communicator.broadcast(drawn, root: 0))
        }
        let plan = try settings.plan(examples: examples, batchSize: options.batchSize, steps: options.steps, seed: seed)
        log(try plan.summary())
        for warning in try plan.warnings() { log("warning: \(warning)") }
        return plan
    }

    /// The checkpoint state's privacy entries after `steps` steps: the accountant's step count and ε so far, and
    /// the report section (JSON: every figure of the plan) that an export writes.
    static func state(_ plan: PrivacyPlan?, steps: Int) throws -> [String: String] {
        guard let plan else { return [:] }
        let report = try plan.report(steps: steps)
        return ["dp_steps": "\(steps)", "dp_epsilon": "\(report.epsilon)", seedKey: "\(plan.step.seed)",
                stateKey: String(decoding: try JSONEncoder().encode(report), as: UTF8.self)]
    }

    /// The key of a checkpoint's state that holds the report's privacy section.
    static let stateKey = "privacy"
    /// The key of a checkpoint's state that holds the noise's seed (secret: a checkpoint is as private as the images).
    static let seedKey = "dp_seed"

    /// The report's section after `steps` steps (a resumed job counts the steps before it too), logged.
    static func finish(_ plan: PrivacyPlan, steps: Int, log: (String) -> Void) throws -> PrivacyReport {
        let report = try plan.report(steps: steps)
        log("differential privacy: ε = \(String(format: "%.4g", report.epsilon)) at δ = \(report.delta) after \(steps) steps "
            + "(Rényi order \(report.order); Opacus's RDP accountant, Poisson sampling)")
        return report
    }

    /// The user's privacy settings for the report's settings and the checkpoint identity (a resume with other
    /// settings is refused).
    static func settings(_ settings: PrivacySettings?) -> [String: String] {
        guard let settings else { return [:] }
        return [
            "dp_max_grad_norm": "\(settings.maxGradientNorm)",
            "dp_noise_multiplier": settings.noiseMultiplier.map { "\($0)" } ?? "from target epsilon",
            "dp_target_epsilon": settings.targetEpsilon.map { "\($0)" } ?? "none",
            "dp_delta": settings.delta.map { "\($0)" } ?? "1/(10 images)",
            // Whether the seed was given; never the secret one.
            "dp_seed": settings.seed.map { "\($0)" } ?? "secret",
        ]
    }
}
