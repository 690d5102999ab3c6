import LetheModels

/// The settings of a Forget-Me-Not run, with the authors' defaults (configs/attn.yaml): 35 steps, AdamW lr 2e-6,
/// betas 0.9/0.999, weight decay 1e-2, ε 1e-8, constant schedule, batch 1, gradient clipping at 1 (which upstream
/// meant to do but never did), the whole UNet trained (`only_optimize_ca: false`).
public struct ForgetMeNotOptions: Sendable {
    /// The words (or learned placeholder tokens) of the concept to forget.
    public var concept: String
    public var template = PromptTemplate.object
    /// Which UNet parameters train: "attn2" (cross-attention only) or "all".
    public var train = "all"
    public var steps = 35
    public var learningRate = 2e-6
    public var schedule = "constant"
    public var warmupSteps = 0
    public var batchSize = 1
    public var resolution: Int?
    public var centerCrop = false
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var weightDecay = 1e-2
    public var epsilon = 1e-8
    /// nil: no clipping. Not used with `privacy`, whose per-example clipping replaces it.
    public var maxGradientNorm: Double? = 1
    /// Also steer attention away from the end-of-text token (the pooled position); padding never counts.
    public var usePooler = false
    public var seed: UInt64 = 0
    /// Differentially private training (DP-SGD); nil: ordinary training.
    public var privacy: PrivacySettings?
    /// Which Hugging Face tokenizer the prompt is tokenised as (default: transformers 5's).
    public var tokenizer = CLIPTokenizer.defaultCompatibility

    public init(concept: String) {
        self.concept = concept
    }
}
