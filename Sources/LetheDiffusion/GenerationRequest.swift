import LetheTensor

/// What to generate: the arguments of diffusers' `StableDiffusionPipeline.__call__`, with its defaults.
public struct GenerationRequest: Sendable {
    public var prompt: String
    /// nil means "" (diffusers' unconditional prompt).
    public var negativePrompt: String?
    public var steps = 50
    public var guidanceScale: Float = 7.5
    /// nil uses the scheduler of the model folder.
    public var scheduler: SchedulerKind?
    /// DDIM's eta (0: deterministic DDIM).
    public var eta: Float = 0
    /// nil: the UNet's sample_size × the VAE's scale factor (512 for SD 1.x).
    public var height: Int?
    public var width: Int?
    public var imagesPerPrompt = 1
    /// Seeds a generator that draws exactly what `torch.Generator().manual_seed(seed)` draws on the CPU.
    public var seed: UInt64
    /// Initial noise [imagesPerPrompt or 1, latent channels, h, w]; nil draws it from the seeded generator.
    public var latents: Tensor?
    /// diffusers' `prompt_embeds`: the text encoder's output [1, tokens, hidden] to condition on instead of
    /// encoding `prompt` (an attack's embedding has no words). The negative prompt is still encoded.
    public var promptEmbeddings: Tensor?

    public init(prompt: String, seed: UInt64) {
        self.prompt = prompt
        self.seed = seed
    }
}
