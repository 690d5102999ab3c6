import ArgumentParser
import Foundation
import LetheModels

/// Stable Diffusion architectures with random weights: the config.json of each component, as diffusers and
/// transformers write them (unset keys take the libraries' defaults).
enum RandomPipelinePreset: String, CaseIterable {
    /// A few-megabyte model with SD 1.x's structure and the real CLIP tokenizer: for demos and tests.
    case tiny
    /// Stable Diffusion 1.5's architecture (860 M UNet parameters, CLIP ViT-L/14 text encoder, 84 M VAE).
    case sd15
    /// Stable Diffusion 2.1's architecture (865 M UNet parameters, OpenCLIP ViT-H/14 text encoder, 84 M VAE).
    case sd21

    /// The width of the text embeddings (the UNet's cross_attention_dim).
    var contextWidth: Int {
        switch self {
        case .tiny: 64
        case .sd15: 768
        case .sd21: 1024
        }
    }

    /// The tokenizer's pad token: "!" for the SD 2.x family, the end token otherwise.
    var padToken: String { self == .sd21 ? "!" : CLIPTokenizer.endOfText }

    func unetConfiguration() throws -> UNet2DConditionConfiguration {
        try UNet2DConditionConfiguration.decode(Data(unet.utf8), source: "preset \(rawValue)")
    }

    func textEncoderConfiguration() throws -> CLIPTextConfiguration {
        try CLIPTextConfiguration(jsonData: Data(textEncoder.utf8), source: "preset \(rawValue)")
    }

    var unet: String {
        switch self {
        case .tiny:
            return """
                {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.42.1", "sample_size": 16,
                 "in_channels": 4, "out_channels": 4, "layers_per_block": 1, "block_out_channels": [32, 64, 64],
                 "attention_head_dim": 8, "cross_attention_dim": 64, "norm_num_groups": 8,
                 "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
                """
        case .sd15, .sd21:
            let sd21 = self == .sd21
            return """
                {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.42.1", "sample_size": \(sd21 ? 96 : 64),
                 "in_channels": 4, "out_channels": 4, "layers_per_block": 2,
                 "block_out_channels": [320, 640, 1280, 1280], "attention_head_dim": \(sd21 ? "[5, 10, 20, 20]" : "8"),
                 "cross_attention_dim": \(contextWidth), "use_linear_projection": \(sd21), "upcast_attention": \(sd21),
                 "norm_num_groups": 32,
                 "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
                """
        }
    }

    var textEncoder: String {
        let (hidden, layers, heads, intermediate, projection) = switch self {
        case .tiny: (64, 2, 4, 128, 64)
        case .sd15: (768, 12, 12, 3072, 768)
        case .sd21: (1024, 23, 16, 4096, 512)
        }
        return """
            {"architectures": ["CLIPTextModel"], "model_type": "clip_text_model",
             "hidden_act": "\(self == .sd21 ? "gelu" : "quick_gelu")",
             "hidden_size": \(hidden), "intermediate_size": \(intermediate), "num_attention_heads": \(heads),
             "num_hidden_layers": \(layers), "projection_dim": \(projection), "max_position_embeddings": 77,
             "vocab_size": 49408, "layer_norm_eps": 1e-05, "bos_token_id": 49406, "eos_token_id": 49407,
             "pad_token_id": 1, "dtype": "float32"}
            """
    }

    var vae: String {
        let channels = self == .tiny ? "[16, 16, 32, 32]" : "[128, 256, 512, 512]"
        return """
            {"_class_name": "AutoencoderKL", "_diffusers_version": "0.42.1", "in_channels": 3, "out_channels": 3,
             "latent_channels": 4, "block_out_channels": \(channels), "layers_per_block": \(self == .tiny ? 1 : 2),
             "norm_num_groups": \(self == .tiny ? 8 : 32), "sample_size": \(self == .tiny ? 128 : 512),
             "scaling_factor": 0.18215,
             "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
             "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
            """
    }

    /// Stable Diffusion 1.5's scheduler_config.json.
    static let scheduler = """
        {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
         "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000,
         "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null}
        """

    static let modelIndex = """
        {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1",
         "feature_extractor": [null, null], "image_encoder": [null, null], "requires_safety_checker": false,
         "safety_checker": [null, null], "scheduler": ["diffusers", "PNDMScheduler"],
         "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
         "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}
        """
}
