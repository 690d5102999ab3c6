// The string-valued options of scheduler_config.json, spelled as diffusers spells them.

/// How the training betas are laid out over the training timesteps.
public enum BetaSchedule: String, CaseIterable, Sendable {
    case linear
    /// Linear in sqrt(beta), as Stable Diffusion trains.
    case scaledLinear = "scaled_linear"
    /// The cosine schedule of Nichol & Dhariwal, betas capped at 0.999.
    case squaredcosCapV2 = "squaredcos_cap_v2"
}

/// What the denoising model predicts.
public enum PredictionType: String, CaseIterable, Sendable {
    /// The noise that was added.
    case epsilon
    /// The velocity sqrt(ᾱ)·ε − sqrt(1−ᾱ)·x₀ (Stable Diffusion 2.x at 768 px).
    case vPrediction = "v_prediction"
    /// The clean sample itself.
    case sample
}

/// How inference timesteps are picked from the training timesteps (Lin et al. 2023, table 2).
public enum TimestepSpacing: String, CaseIterable, Sendable {
    case leading
    case trailing
    case linspace
}

/// The DDPM posterior variance.
public enum VarianceType: String, CaseIterable, Sendable {
    case fixedSmall = "fixed_small"
    case fixedSmallLog = "fixed_small_log"
    case fixedLarge = "fixed_large"
    /// The model predicts the variance in extra channels.
    case learned
    /// The model predicts an interpolation between the small and large log variances in extra channels.
    case learnedRange = "learned_range"
}

/// How Euler sigmas between training timesteps are found.
public enum SigmaInterpolation: String, CaseIterable, Sendable {
    case linear
    case logLinear = "log_linear"
}

/// What Euler passes to the model as the timestep.
public enum TimestepType: String, CaseIterable, Sendable {
    case discrete
    /// 0.25·log(sigma), for continuous-time v-prediction models.
    case continuous
}

/// The sigma the last Euler step goes to.
public enum FinalSigmasType: String, CaseIterable, Sendable {
    case zero
    case sigmaMin = "sigma_min"
}
