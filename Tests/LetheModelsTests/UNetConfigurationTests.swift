import Foundation
import LetheTestSupport
import Testing
import LetheModels

/// unet/config.json of runwayml/stable-diffusion-v1-5 (diffusers 0.6.0 era: many keys absent, taking defaults).
let unetConfigSD15 = """
{
  "_class_name": "UNet2DConditionModel",
  "_diffusers_version": "0.6.0",
  "act_fn": "silu",
  "attention_head_dim": 8,
  "block_out_channels": [320, 640, 1280, 1280],
  "center_input_sample": false,
  "cross_attention_dim": 768,
  "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
  "downsample_padding": 1,
  "flip_sin_to_cos": true,
  "freq_shift": 0,
  "in_channels": 4,
  "layers_per_block": 2,
  "mid_block_scale_factor": 1,
  "norm_eps": 1e-05,
  "norm_num_groups": 32,
  "out_channels": 4,
  "sample_size": 64,
  "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
}
"""

/// unet/config.json of stabilityai/stable-diffusion-2-1-base.
let unetConfigSD21Base = """
{
  "_class_name": "UNet2DConditionModel",
  "_diffusers_version": "0.10.0.dev0",
  "act_fn": "silu",
  "attention_head_dim": [5, 10, 20, 20],
  "block_out_channels": [320, 640, 1280, 1280],
  "center_input_sample": false,
  "cross_attention_dim": 1024,
  "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
  "downsample_padding": 1,
  "dual_cross_attention": false,
  "flip_sin_to_cos": true,
  "freq_shift": 0,
  "in_channels": 4,
  "layers_per_block": 2,
  "mid_block_scale_factor": 1,
  "norm_eps": 1e-05,
  "norm_num_groups": 32,
  "num_class_embeds": null,
  "only_cross_attention": false,
  "out_channels": 4,
  "sample_size": 64,
  "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
  "use_linear_projection": true
}
"""

/// unet/config.json of stabilityai/stable-diffusion-xl-base-1.0 (not supported: added time/text embeddings).
let unetConfigSDXL = """
{
  "_class_name": "UNet2DConditionModel",
  "_diffusers_version": "0.19.0.dev0",
  "act_fn": "silu",
  "addition_embed_type": "text_time",
  "addition_embed_type_num_heads": 64,
  "addition_time_embed_dim": 256,
  "attention_head_dim": [5, 10, 20],
  "block_out_channels": [320, 640, 1280],
  "center_input_sample": false,
  "class_embed_type": null,
  "class_embeddings_concat": false,
  "conv_in_kernel": 3,
  "conv_out_kernel": 3,
  "cross_attention_dim": 2048,
  "cross_attention_norm": null,
  "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
  "downsample_padding": 1,
  "dual_cross_attention": false,
  "encoder_hid_dim": null,
  "encoder_hid_dim_type": null,
  "flip_sin_to_cos": true,
  "freq_shift": 0,
  "in_channels": 4,
  "layers_per_block": 2,
  "mid_block_only_cross_attention": null,
  "mid_block_scale_factor": 1,
  "mid_block_type": "UNetMidBlock2DCrossAttn",
  "norm_eps": 1e-05,
  "norm_num_groups": 32,
  "num_attention_heads": null,
  "num_class_embeds": null,
  "only_cross_attention": false,
  "out_channels": 4,
  "projection_class_embeddings_input_dim": 2816,
  "resnet_out_scale_factor": 1.0,
  "resnet_skip_time_act": false,
  "resnet_time_scale_shift": "default",
  "sample_size": 128,
  "time_cond_proj_dim": null,
  "time_embedding_act_fn": null,
  "time_embedding_dim": null,
  "time_embedding_type": "positional",
  "timestep_post_act": null,
  "transformer_layers_per_block": [1, 2, 10],
  "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
  "upcast_attention": null,
  "use_linear_projection": true
}
"""

@Suite struct UNetConfigurationTests {
    private func decode(_ text: String) throws -> UNet2DConditionConfiguration {
        try UNet2DConditionConfiguration.decode(Data(text.utf8), source: "unet/config.json")
    }

    /// The SD 1.5 config with `key` replaced by `value` (JSON text), or removed when `value` is nil.
    /// The SD 1.5 config with `key` replaced by `value` (JSON text), or removed when `value` is nil.
    private func sd15(_ key: String, _ value: String?) throws -> String {
        try configText(unetConfigSD15, setting: key, to: value)
    }

    @Test func stableDiffusion15() throws {
        let config = try decode(unetConfigSD15)
        #expect(config.blockOutChannels == [320, 640, 1280, 1280])
        #expect(config.crossAttentionDim == .one(768))
        #expect(config.attentionHeadDim == .one(8))
        #expect(config.attentionHeadsPerBlock == [8, 8, 8, 8])
        #expect(config.sampleSize == .one(64))
        #expect(config.flipSinToCos && config.freqShift == 0 && config.downsamplePadding == 1)
        #expect(config.normNumGroups == 32 && config.normEps == 1e-5)
        // Keys the 0.6.0 config leaves out take diffusers' defaults.
        #expect(config.midBlockType == "UNetMidBlock2DCrossAttn")
        #expect(!config.useLinearProjection && !config.upcastAttention)
        #expect(config.transformerLayersPerBlock == .one(1))
        #expect(config.timeEmbeddingType == "positional" && config.resnetTimeScaleShift == "default")
        #expect(config.convInKernel == 3 && config.convOutKernel == 3)
        #expect(config.numAttentionHeads == nil && config.classEmbedType == nil && config.additionEmbedType == nil)
    }

    @Test func stableDiffusion21Base() throws {
        let config = try decode(unetConfigSD21Base)
        #expect(config.attentionHeadDim == .many([5, 10, 20, 20]))
        // Legacy naming: these are head counts; 320 / 5 = 640 / 10 = 1280 / 20 = 64 channels per head.
        #expect(config.attentionHeadsPerBlock == [5, 10, 20, 20])
        #expect(zip(config.blockOutChannels, config.attentionHeadsPerBlock).allSatisfy { $0 / $1 == 64 })
        #expect(config.crossAttentionDim == .one(1024))
        #expect(config.useLinearProjection)
        #expect(!config.upcastAttention)
        #expect(config.onlyCrossAttention == .one(false) && !config.dualCrossAttention && config.numClassEmbeds == nil)
    }

    @Test func fixtureConfigsDecode() throws {
        let sd1 = try UNet2DConditionConfiguration.load(from: Fixture.pipeline("sd1-tiny").appendingPathComponent("unet/config.json"))
        #expect(sd1.blockOutChannels == [16, 32, 32] && sd1.attentionHeadsPerBlock == [4, 4, 4] && sd1.normNumGroups == 8)
        let sd2 = try UNet2DConditionConfiguration.load(from: Fixture.pipeline("sd2-tiny").appendingPathComponent("unet/config.json"))
        #expect(sd2.attentionHeadsPerBlock == [2, 4, 4] && sd2.upcastAttention && sd2.useLinearProjection)
    }

    @Test func encodingRoundTrips() throws {
        for text in [unetConfigSD15, unetConfigSD21Base] {
            let config = try decode(text)
            #expect(try decode(String(decoding: JSONEncoder().encode(config), as: UTF8.self)) == config)
        }
        var noMidBlock = try decode(unetConfigSD15)
        noMidBlock.midBlockType = nil
        let decoded = try JSONDecoder().decode(UNet2DConditionConfiguration.self, from: JSONEncoder().encode(noMidBlock))
        #expect(decoded.midBlockType == nil)
    }

    @Test func stableDiffusionXLIsRejected() {
        #expect(throws: ModelLoadingError.unsupported(path: "unet/config.json", key: "addition_embed_type",
                                                      value: "text_time", supported: "null")) {
            try decode(unetConfigSDXL)
        }
    }

    @Test(arguments: [
        ("down_block_types", #"["SimpleCrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]"#, "SimpleCrossAttnDownBlock2D"),
        ("up_block_types", #"["UpBlock2D", "AttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]"#, "AttnUpBlock2D"),
        ("mid_block_type", #""UNetMidBlock2DSimpleCrossAttn""#, "UNetMidBlock2DSimpleCrossAttn"),
        ("mid_block_type", "null", "null"),
        ("only_cross_attention", "true", "true"),
        ("act_fn", #""gelu""#, "gelu"),
        ("num_attention_heads", "8", "8"),
        ("dual_cross_attention", "true", "true"),
        ("class_embed_type", #""timestep""#, "timestep"),
        ("num_class_embeds", "1000", "1000"),
        ("class_embeddings_concat", "true", "true"),
        ("resnet_time_scale_shift", #""scale_shift""#, "scale_shift"),
        ("time_embedding_type", #""fourier""#, "fourier"),
        ("time_embedding_act_fn", #""silu""#, "silu"),
        ("timestep_post_act", #""silu""#, "silu"),
        ("time_cond_proj_dim", "256", "256"),
        ("encoder_hid_dim", "1024", "1024"),
        ("attention_type", #""gated""#, "gated"),
        ("conv_in_kernel", "4", "4"),
        ("_class_name", #""UNet2DModel""#, "UNet2DModel"),
    ])
    func unsupportedValueNamesItsKey(key: String, json: String, shown: String) throws {
        let text = try sd15(key, json)
        guard let error = modelLoadingError("\(key) = \(json)", { try decode(text) }) else { return }
        guard case .unsupported(let path, let reportedKey, let value, _) = error else {
            Issue.record("expected unsupported, got \(error)")
            return
        }
        #expect(path == "unet/config.json" && reportedKey == key && value == shown)
        #expect(error.description.contains(key) && error.description.contains(shown))
    }

    @Test(arguments: [
        ("up_block_types", #"["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]"#, "up_block_types"),
        ("block_out_channels", "[320, 640, 1280]", "block_out_channels"),
        ("attention_head_dim", "[5, 10, 20]", "attention_head_dim"),
        ("layers_per_block", "[2, 2]", "layers_per_block"),
        ("norm_num_groups", "48", "norm_num_groups"),
        ("layers_per_block", "0", "layers_per_block"),
        ("attention_head_dim", "400", "attention_head_dim"),
        ("in_channels", "0", "in_channels"),
    ])
    func inconsistentSizesNameTheKey(key: String, json: String, reported: String) throws {
        let text = try sd15(key, json)
        guard let error = modelLoadingError("\(key) = \(json)", { try decode(text) }) else { return }
        guard case .invalidConfig(_, let reportedKey, _) = error else {
            Issue.record("expected invalidConfig, got \(error)")
            return
        }
        #expect(reportedKey == reported, "\(error)")
    }

    @Test func malformedValueNamesTheKey() throws {
        let text = try sd15("block_out_channels", #""wide""#)
        #expect {
            try decode(text)
        } throws: { error in
            guard case ModelLoadingError.unreadableConfig(let path, let reason) = error else { return false }
            return path == "unet/config.json" && reason.contains("block_out_channels")
        }
    }
}
