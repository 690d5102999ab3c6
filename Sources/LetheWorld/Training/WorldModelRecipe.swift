import Foundation
import LetheDiffusion
import LetheModels
import LetheTraining

/// The world's Stable Diffusion: every component's config.json as diffusers and transformers write them (unset
/// keys take the libraries' defaults), sized so the whole model trains in about an hour on two cores and ships in a
/// few megabytes.
///
/// 64×64 px images become 16×16×4 latents (three VAE blocks: a scale factor of 4, not SD's 8, so a 16-pixel-wide
/// star keeps its points); the UNet works at 16, 8 and 4 latent pixels with cross-attention at every level; the
/// text encoder is a 64-wide CLIP over the real CLIP tokenizer (its 49 408-row token table is most of its size).
public enum WorldModelRecipe {
    /// Side of the images the model draws, in pixels.
    public static let imageSize = 64

    /// The VAE's config with the scaling factor that gives its latents unit variance (measured after its training,
    /// as diffusers' guidance for a new VAE says: 1 / std of the latents).
    public static func vae(scalingFactor: Double) -> String { """
        {"_class_name": "AutoencoderKL", "_diffusers_version": "0.42.1", "in_channels": 3, "out_channels": 3,
         "latent_channels": 4, "block_out_channels": [16, 32, 64], "layers_per_block": 1, "norm_num_groups": 8,
         "sample_size": 64, "scaling_factor": \(scalingFactor), "act_fn": "silu",
         "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
         "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
        """
    }

    public static let unet = """
        {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.42.1", "sample_size": 16,
         "in_channels": 4, "out_channels": 4, "layers_per_block": 1, "block_out_channels": [32, 64, 128],
         "attention_head_dim": 4, "cross_attention_dim": 64, "norm_num_groups": 16,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
         "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
        """

    public static let textEncoder = """
        {"architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "hidden_act": "quick_gelu",
         "hidden_size": 64, "intermediate_size": 256, "num_attention_heads": 4, "num_hidden_layers": 3,
         "projection_dim": 64, "max_position_embeddings": 77, "vocab_size": 49408, "layer_norm_eps": 1e-05,
         "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1, "dtype": "float32"}
        """

    /// Stable Diffusion's noise schedule (scaled linear, 1000 steps) with DDIM as the sampler the folder names.
    public static let scheduler = """
        {"_class_name": "DDIMScheduler", "_diffusers_version": "0.42.1", "beta_end": 0.012,
         "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000,
         "prediction_type": "epsilon", "set_alpha_to_one": false, "steps_offset": 1, "timestep_spacing": "leading",
         "trained_betas": null}
        """

    public static let modelIndex = """
        {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1",
         "feature_extractor": [null, null], "image_encoder": [null, null], "requires_safety_checker": false,
         "safety_checker": [null, null], "scheduler": ["diffusers", "DDIMScheduler"],
         "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
         "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}
        """

    public static func vaeConfiguration(scalingFactor: Double = 1) throws -> AutoencoderKLConfiguration {
        try AutoencoderKLConfiguration.decode(Data(vae(scalingFactor: scalingFactor).utf8), source: "the world's VAE recipe")
    }

    public static func unetConfiguration() throws -> UNet2DConditionConfiguration {
        try UNet2DConditionConfiguration.decode(Data(unet.utf8), source: "the world's UNet recipe")
    }

    public static func textEncoderConfiguration() throws -> CLIPTextConfiguration {
        try CLIPTextConfiguration(jsonData: Data(textEncoder.utf8), source: "the world's text encoder recipe")
    }

    /// The training objective, read from the scheduler's config as diffusers' training examples read it
    /// (`DDPMScheduler.from_pretrained(model, subfolder="scheduler")`), with Min-SNR-γ weighting when `snrGamma` is set.
    public static func objective(snrGamma: Double? = nil) throws -> DiffusionObjective {
        let configuration = try SchedulerConfiguration(jsonData: Data(scheduler.utf8), source: "the world's scheduler recipe")
        return DiffusionObjective(scheduler: try DDPMScheduler(configuration: configuration), snrGamma: snrGamma)
    }
}
