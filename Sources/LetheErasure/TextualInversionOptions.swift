import LetheModels

/// The settings of a textual-inversion run, with diffusers' example's defaults (AdamW lr 1e-4, betas 0.9/0.999,
/// weight decay 1e-2, ε 1e-8, constant schedule, flip probability 0.5, bicubic resize, no centre crop).
public struct TextualInversionOptions: Sendable {
    /// The placeholder, e.g. `<cat-toy>`; extra vectors get `<cat-toy>_1`, `<cat-toy>_2`, ...
    public var placeholder: String
    /// A word of one token whose embedding starts every vector, or `<rand-SIGMA>` for N(0, σ²) draws.
    public var initializer: String
    public var vectors = 1
    public var template = PromptTemplate.object
    public var steps = 500
    public var learningRate = 1e-4
    public var schedule = "constant"
    public var warmupSteps = 0
    /// Samples per optimizer step across all ranks.
    public var batchSize = 1
    /// Training image side in pixels; nil: the model's default image size.
    public var resolution: Int?
    public var centerCrop = false
    public var flipProbability = 0.5
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var weightDecay = 1e-2
    public var epsilon = 1e-8
    /// Forget-Me-Not's `clip_ti_decay`: after each step pull each learned row's norm towards 0.4 by min(1, 100·lr).
    public var renormalize = false
    public var seed: UInt64 = 0
    /// Differentially private training (DP-SGD); nil: ordinary training.
    public var privacy: PrivacySettings?
    /// Which Hugging Face tokenizer the templates are tokenised as (default: transformers 5's).
    public var tokenizer = CLIPTokenizer.defaultCompatibility

    public init(placeholder: String, initializer: String) {
        self.placeholder = placeholder
        self.initializer = initializer
    }

    /// The norm Forget-Me-Not's renormalisation pulls the learned rows towards.
    public static let renormalizationTarget: Float = 0.4
}
