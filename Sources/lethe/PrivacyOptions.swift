import ArgumentParser
import LetheErasure

/// The differential-privacy flags of every training subcommand (`invert`, `fmn`), also YAML keys of a job file:
/// DP-SGD with Poisson sampling, each example's gradient clipped and Gaussian noise added once to the batch's sum.
struct PrivacyOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Train with differential privacy (DP-SGD): clip each example's gradient to this norm C. Needs --dp-noise-multiplier or --dp-target-epsilon. Each step's batch is then a Poisson sample: every image joins with probability --batch-size / images, so batches vary in size.", valueName: "C"))
    var dpMaxGradNorm: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("DP-SGD: σ, Gaussian noise of σ·C added once to the batch's sum of clipped gradients (across all ranks).", valueName: "sigma"))
    var dpNoiseMultiplier: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("DP-SGD: the ε to spend over all --steps; σ is the one Opacus's get_noise_multiplier finds (instead of --dp-noise-multiplier).", valueName: "epsilon"))
    var dpTargetEpsilon: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("DP-SGD: δ of the (ε, δ) guarantee, in (0, 1). Default: 1 / (10 × images).", valueName: "delta"))
    var dpDelta: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("DP-SGD: seed of the noise and the Poisson sampling. Default: a secret one from the system's cryptographic generator (kept in checkpoints, never in the report). Whoever knows it can remove the noise: give one only to reproduce a run.", valueName: "n"))
    var dpSeed: UInt64?

    /// nil when no privacy flag is given.
    func settings() throws -> PrivacySettings? {
        guard let dpMaxGradNorm else {
            if dpNoiseMultiplier != nil || dpTargetEpsilon != nil || dpDelta != nil || dpSeed != nil {
                throw ValidationError("--dp-noise-multiplier, --dp-target-epsilon, --dp-delta and --dp-seed need --dp-max-grad-norm (the per-example clipping norm that turns differential privacy on)")
            }
            return nil
        }
        return PrivacySettings(maxGradientNorm: dpMaxGradNorm, noiseMultiplier: dpNoiseMultiplier,
                               targetEpsilon: dpTargetEpsilon, delta: dpDelta, seed: dpSeed)
    }

    /// The end of a training subcommand's summary line: the guarantee, when it trained privately.
    static func summary(_ report: ErasureReport) -> String {
        guard let privacy = report.training?.privacy else { return "" }
        return "; (ε, δ)-differentially private for the images with ε = \(String(format: "%.4g", privacy.epsilon)), δ = \(privacy.delta)"
    }
}
