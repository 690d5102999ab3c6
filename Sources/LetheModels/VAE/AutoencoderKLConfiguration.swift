import Foundation

/// diffusers' `AutoencoderKL` config (vae/config.json): every key of its `__init__`, with diffusers' defaults for
/// keys a config leaves out. Only DownEncoderBlock2D / UpDecoderBlock2D VAEs (Stable Diffusion's) are supported.
public struct AutoencoderKLConfiguration: Codable, Equatable, Sendable {
    public typealias OneOrMany = UNet2DConditionConfiguration.OneOrMany

    public var className: String?
    public var inChannels = 3
    public var outChannels = 3
    public var downBlockTypes = ["DownEncoderBlock2D"]
    public var upBlockTypes = ["UpDecoderBlock2D"]
    public var blockOutChannels = [64]
    public var layersPerBlock = 1
    public var actFn = "silu"
    public var latentChannels = 4
    public var normNumGroups = 32
    public var sampleSize: OneOrMany<Int> = .one(32)
    /// Latents are `scaling_factor · (z − shift_factor)` for the UNet; applying it is the pipeline's job.
    public var scalingFactor: Double = 0.18215
    public var shiftFactor: Double?
    public var latentsMean: [Double]?
    public var latentsStd: [Double]?
    /// Whether diffusers runs this VAE in float32 even in a float16 pipeline (Lethe always runs float32).
    public var forceUpcast = true
    public var useQuantConv = true
    public var usePostQuantConv = true
    public var midBlockAddAttention = true

    /// diffusers' defaults for every key.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case inChannels = "in_channels", outChannels = "out_channels"
        case downBlockTypes = "down_block_types", upBlockTypes = "up_block_types"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block", actFn = "act_fn"
        case latentChannels = "latent_channels", normNumGroups = "norm_num_groups", sampleSize = "sample_size"
        case scalingFactor = "scaling_factor", shiftFactor = "shift_factor"
        case latentsMean = "latents_mean", latentsStd = "latents_std", forceUpcast = "force_upcast"
        case useQuantConv = "use_quant_conv", usePostQuantConv = "use_post_quant_conv"
        case midBlockAddAttention = "mid_block_add_attention"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AutoencoderKLConfiguration()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        className = try c.decodeIfPresent(String.self, forKey: .className)
        inChannels = try value(.inChannels, d.inChannels)
        outChannels = try value(.outChannels, d.outChannels)
        downBlockTypes = try value(.downBlockTypes, d.downBlockTypes)
        upBlockTypes = try value(.upBlockTypes, d.upBlockTypes)
        blockOutChannels = try value(.blockOutChannels, d.blockOutChannels)
        layersPerBlock = try value(.layersPerBlock, d.layersPerBlock)
        actFn = try value(.actFn, d.actFn)
        latentChannels = try value(.latentChannels, d.latentChannels)
        normNumGroups = try value(.normNumGroups, d.normNumGroups)
        sampleSize = try value(.sampleSize, d.sampleSize)
        scalingFactor = try value(.scalingFactor, d.scalingFactor)
        shiftFactor = try c.decodeIfPresent(Double.self, forKey: .shiftFactor)
        latentsMean = try c.decodeIfPresent([Double].self, forKey: .latentsMean)
        latentsStd = try c.decodeIfPresent([Double].self, forKey: .latentsStd)
        forceUpcast = try value(.forceUpcast, d.forceUpcast)
        useQuantConv = try value(.useQuantConv, d.useQuantConv)
        usePostQuantConv = try value(.usePostQuantConv, d.usePostQuantConv)
        midBlockAddAttention = try value(.midBlockAddAttention, d.midBlockAddAttention)
    }
}

extension AutoencoderKLConfiguration {
    /// The VAE's spatial down-sampling factor (diffusers' `vae_scale_factor`, not `scaling_factor`, which scales
    /// the latents): 2^(number of blocks − 1), 8 for Stable Diffusion. Validation keeps it at most 128.
    public var scaleFactor: Int { 1 << max(blockOutChannels.count - 1, 0) }
}
