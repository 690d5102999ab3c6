/// The contents of a diffusers `scheduler/scheduler_config.json`, keys as diffusers spells them.
///
/// Every field is optional: a key the file leaves out takes the default of the scheduler class that is built
/// from it, exactly as diffusers' `from_config` does (so an SD 1.5 PNDM config turned into Euler gets Euler's
/// `linspace` spacing, not PNDM's `leading`). Keys this type does not know are ignored; values are checked when
/// a scheduler is built, with a `SchedulerError` naming the key.
public struct SchedulerConfiguration: Codable, Sendable, Equatable {
    /// `_class_name`: the diffusers scheduler class the file was written for.
    public var className: String?
    public var numTrainTimesteps: Int?
    public var betaStart: Double?
    public var betaEnd: Double?
    /// `linear`, `scaled_linear` or `squaredcos_cap_v2`.
    public var betaSchedule: String?
    /// Explicit betas that replace the beta schedule.
    public var trainedBetas: [Double]?
    /// `epsilon`, `v_prediction` or `sample`.
    public var predictionType: String?
    /// `leading`, `trailing` or `linspace`.
    public var timestepSpacing: String?
    public var stepsOffset: Int?
    public var rescaleBetasZeroSnr: Bool?
    // DDPM and DDIM
    public var clipSample: Bool?
    public var clipSampleRange: Double?
    public var thresholding: Bool?
    public var dynamicThresholdingRatio: Double?
    public var sampleMaxValue: Double?
    // DDPM
    /// `fixed_small`, `fixed_small_log`, `fixed_large`, `learned` or `learned_range`.
    public var varianceType: String?
    // DDIM and PNDM
    public var setAlphaToOne: Bool?
    // PNDM
    public var skipPrkSteps: Bool?
    // Euler discrete
    /// `linear` or `log_linear`.
    public var interpolationType: String?
    public var useKarrasSigmas: Bool?
    public var useExponentialSigmas: Bool?
    public var useBetaSigmas: Bool?
    public var sigmaMin: Double?
    public var sigmaMax: Double?
    /// `discrete` or `continuous`.
    public var timestepType: String?
    /// `zero` or `sigma_min`.
    public var finalSigmasType: String?

    /// An empty configuration: every value takes the defaults of the class it is used with.
    public init(className: String? = nil) {
        self.className = className
    }

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case numTrainTimesteps = "num_train_timesteps"
        case betaStart = "beta_start"
        case betaEnd = "beta_end"
        case betaSchedule = "beta_schedule"
        case trainedBetas = "trained_betas"
        case predictionType = "prediction_type"
        case timestepSpacing = "timestep_spacing"
        case stepsOffset = "steps_offset"
        case rescaleBetasZeroSnr = "rescale_betas_zero_snr"
        case clipSample = "clip_sample"
        case clipSampleRange = "clip_sample_range"
        case thresholding
        case dynamicThresholdingRatio = "dynamic_thresholding_ratio"
        case sampleMaxValue = "sample_max_value"
        case varianceType = "variance_type"
        case setAlphaToOne = "set_alpha_to_one"
        case skipPrkSteps = "skip_prk_steps"
        case interpolationType = "interpolation_type"
        case useKarrasSigmas = "use_karras_sigmas"
        case useExponentialSigmas = "use_exponential_sigmas"
        case useBetaSigmas = "use_beta_sigmas"
        case sigmaMin = "sigma_min"
        case sigmaMax = "sigma_max"
        case timestepType = "timestep_type"
        case finalSigmasType = "final_sigmas_type"
    }
}
