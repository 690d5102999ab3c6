import Foundation
import Testing
import LetheIO
import LetheModels
import LetheTensor

/// vae/config.json of runwayml/stable-diffusion-v1-5.
let vaeConfigSD15 = """
{
  "_class_name": "AutoencoderKL",
  "_diffusers_version": "0.6.0",
  "act_fn": "silu",
  "block_out_channels": [128, 256, 512, 512],
  "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  "in_channels": 3,
  "latent_channels": 4,
  "layers_per_block": 2,
  "norm_num_groups": 32,
  "out_channels": 3,
  "sample_size": 512,
  "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]
}
"""

/// vae/config.json of stabilityai/stable-diffusion-2-1-base.
let vaeConfigSD21Base = """
{
  "_class_name": "AutoencoderKL",
  "_diffusers_version": "0.10.0.dev0",
  "act_fn": "silu",
  "block_out_channels": [128, 256, 512, 512],
  "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  "in_channels": 3,
  "latent_channels": 4,
  "layers_per_block": 2,
  "norm_num_groups": 32,
  "out_channels": 3,
  "sample_size": 768,
  "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]
}
"""

@Suite struct VAEConfigurationTests {
    private func decode(_ text: String) throws -> AutoencoderKLConfiguration {
        try AutoencoderKLConfiguration.decode(Data(text.utf8), source: "vae/config.json")
    }

    /// The SD 1.5 config with `key` replaced by `value` (JSON text), or removed when `value` is nil.
    private func sd15(_ key: String, _ value: String) throws -> String {
        try configText(vaeConfigSD15, setting: key, to: value)
    }

    @Test func stableDiffusion15() throws {
        let config = try decode(vaeConfigSD15)
        #expect(config.blockOutChannels == [128, 256, 512, 512] && config.layersPerBlock == 2)
        #expect(config.latentChannels == 4 && config.normNumGroups == 32 && config.sampleSize == .one(512))
        // Keys the 0.6.0 config leaves out take diffusers' defaults.
        #expect(config.scalingFactor == 0.18215 && config.shiftFactor == nil && config.forceUpcast)
        #expect(config.useQuantConv && config.usePostQuantConv && config.midBlockAddAttention)
        #expect(config.latentsMean == nil && config.latentsStd == nil)
    }

    @Test func stableDiffusion21Base() throws {
        let config = try decode(vaeConfigSD21Base)
        #expect(config.blockOutChannels == [128, 256, 512, 512] && config.sampleSize == .one(768))
        #expect(config.downBlockTypes.count == 4 && config.upBlockTypes == Array(repeating: "UpDecoderBlock2D", count: 4))
        #expect(config.scalingFactor == 0.18215)
    }

    @Test func explicitValuesWin() throws {
        let config = try decode(try sd15("scaling_factor", "0.13025"))
        #expect(config.scalingFactor == 0.13025)
        let shifted = try decode(try sd15("shift_factor", "0.0609"))
        #expect(shifted.shiftFactor == 0.0609)
    }

    @Test func encodingRoundTrips() throws {
        let config = try decode(vaeConfigSD15)
        #expect(try decode(String(decoding: JSONEncoder().encode(config), as: UTF8.self)) == config)
    }

    @Test(arguments: [
        ("down_block_types", #"["AttnDownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"]"#, "AttnDownEncoderBlock2D"),
        ("up_block_types", #"["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "AttnUpDecoderBlock2D"]"#, "AttnUpDecoderBlock2D"),
        ("act_fn", #""relu""#, "relu"),
        ("_class_name", #""AutoencoderTiny""#, "AutoencoderTiny"),
    ])
    func unsupportedValueNamesItsKey(key: String, json: String, shown: String) throws {
        let text = try sd15(key, json)
        guard let error = modelLoadingError("\(key) = \(json)", { try decode(text) }) else { return }
        guard case .unsupported(let path, let reportedKey, let value, _) = error else {
            Issue.record("expected unsupported, got \(error)")
            return
        }
        #expect(path == "vae/config.json" && reportedKey == key && value == shown)
    }

    @Test(arguments: [
        ("block_out_channels", "[128, 256, 512]", "down_block_types"),
        ("norm_num_groups", "48", "norm_num_groups"),
        ("latent_channels", "0", "latent_channels"),
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
}
