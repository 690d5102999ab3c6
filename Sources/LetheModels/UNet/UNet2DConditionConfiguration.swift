import Foundation

/// diffusers' `UNet2DConditionModel` config (unet/config.json): every key of its `__init__`, with diffusers'
/// defaults for keys a config leaves out. Only the Stable Diffusion 1.x/2.x architecture is supported;
/// `validate(source:)` names any key whose value asks for something else.
public struct UNet2DConditionConfiguration: Codable, Equatable, Sendable {
    public var className: String?
    public var sampleSize: OneOrMany<Int>?
    public var inChannels = 4
    public var outChannels = 4
    public var centerInputSample = false
    public var flipSinToCos = true
    public var freqShift: Double = 0
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    /// nil when config.json sets it to null (no mid block).
    public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    public var onlyCrossAttention = OneOrMany<Bool>.one(false)
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var layersPerBlock = OneOrMany<Int>.one(2)
    public var downsamplePadding = 1
    public var midBlockScaleFactor: Double = 1
    public var dropout: Double = 0
    public var actFn = "silu"
    /// nil when config.json sets it to null.
    public var normNumGroups: Int? = 32
    public var normEps: Double = 1e-5
    public var crossAttentionDim = OneOrMany<Int>.one(1280)
    public var transformerLayersPerBlock = OneOrMany<Int>.one(1)
    public var reverseTransformerLayersPerBlock: [[Int]]?
    public var encoderHidDim: Int?
    public var encoderHidDimType: String?
    /// Despite the name, the number of heads per block (diffusers' legacy naming; see `headsPerBlock`).
    public var attentionHeadDim = OneOrMany<Int>.one(8)
    public var numAttentionHeads: OneOrMany<Int>?
    public var dualCrossAttention = false
    public var useLinearProjection = false
    public var classEmbedType: String?
    public var additionEmbedType: String?
    public var additionTimeEmbedDim: Int?
    public var numClassEmbeds: Int?
    public var upcastAttention = false
    public var resnetTimeScaleShift = "default"
    public var resnetSkipTimeAct = false
    public var resnetOutScaleFactor: Double = 1
    public var timeEmbeddingType = "positional"
    public var timeEmbeddingDim: Int?
    public var timeEmbeddingActFn: String?
    public var timestepPostAct: String?
    public var timeCondProjDim: Int?
    public var convInKernel = 3
    public var convOutKernel = 3
    public var projectionClassEmbeddingsInputDim: Int?
    public var attentionType = "default"
    public var classEmbeddingsConcat = false
    public var midBlockOnlyCrossAttention: Bool?
    public var crossAttentionNorm: String?
    public var additionEmbedTypeNumHeads = 64

    /// diffusers' defaults for every key.
    public init() {}

    /// Heads of each down block (the up blocks use them reversed): `num_attention_heads`, or by diffusers' legacy
    /// rule `attention_head_dim`; each head has block_out_channels / heads channels.
    public var attentionHeadsPerBlock: [Int] {
        (numAttentionHeads ?? attentionHeadDim).values(count: downBlockTypes.count)
    }

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case sampleSize = "sample_size", inChannels = "in_channels", outChannels = "out_channels"
        case centerInputSample = "center_input_sample", flipSinToCos = "flip_sin_to_cos", freqShift = "freq_shift"
        case downBlockTypes = "down_block_types", midBlockType = "mid_block_type", upBlockTypes = "up_block_types"
        case onlyCrossAttention = "only_cross_attention", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", downsamplePadding = "downsample_padding"
        case midBlockScaleFactor = "mid_block_scale_factor", dropout, actFn = "act_fn"
        case normNumGroups = "norm_num_groups", normEps = "norm_eps", crossAttentionDim = "cross_attention_dim"
        case transformerLayersPerBlock = "transformer_layers_per_block"
        case reverseTransformerLayersPerBlock = "reverse_transformer_layers_per_block"
        case encoderHidDim = "encoder_hid_dim", encoderHidDimType = "encoder_hid_dim_type"
        case attentionHeadDim = "attention_head_dim", numAttentionHeads = "num_attention_heads"
        case dualCrossAttention = "dual_cross_attention", useLinearProjection = "use_linear_projection"
        case classEmbedType = "class_embed_type", additionEmbedType = "addition_embed_type"
        case additionTimeEmbedDim = "addition_time_embed_dim", numClassEmbeds = "num_class_embeds"
        case upcastAttention = "upcast_attention", resnetTimeScaleShift = "resnet_time_scale_shift"
        case resnetSkipTimeAct = "resnet_skip_time_act", resnetOutScaleFactor = "resnet_out_scale_factor"
        case timeEmbeddingType = "time_embedding_type", timeEmbeddingDim = "time_embedding_dim"
        case timeEmbeddingActFn = "time_embedding_act_fn", timestepPostAct = "timestep_post_act"
        case timeCondProjDim = "time_cond_proj_dim", convInKernel = "conv_in_kernel", convOutKernel = "conv_out_kernel"
        case projectionClassEmbeddingsInputDim = "projection_class_embeddings_input_dim"
        case attentionType = "attention_type", classEmbeddingsConcat = "class_embeddings_concat"
        case midBlockOnlyCrossAttention = "mid_block_only_cross_attention", crossAttentionNorm = "cross_attention_norm"
        case additionEmbedTypeNumHeads = "addition_embed_type_num_heads"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = UNet2DConditionConfiguration()
        // A missing key or null takes diffusers' default, except where null itself means something (noted above).
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        func nullable<T: Decodable>(_ key: CodingKeys, _ fallback: T?) throws -> T? {
            c.contains(key) ? try c.decodeIfPresent(T.self, forKey: key) : fallback
        }
        className = try c.decodeIfPresent(String.self, forKey: .className)
        sampleSize = try c.decodeIfPresent(OneOrMany<Int>.self, forKey: .sampleSize)
        inChannels = try value(.inChannels, d.inChannels)
        outChannels = try value(.outChannels, d.outChannels)
        centerInputSample = try value(.centerInputSample, d.centerInputSample)
        flipSinToCos = try value(.flipSinToCos, d.flipSinToCos)
        freqShift = try value(.freqShift, d.freqShift)
        downBlockTypes = try value(.downBlockTypes, d.downBlockTypes)
        midBlockType = try nullable(.midBlockType, d.midBlockType)
        upBlockTypes = try value(.upBlockTypes, d.upBlockTypes)
        onlyCrossAttention = try value(.onlyCrossAttention, d.onlyCrossAttention)
        blockOutChannels = try value(.blockOutChannels, d.blockOutChannels)
        layersPerBlock = try value(.layersPerBlock, d.layersPerBlock)
        downsamplePadding = try value(.downsamplePadding, d.downsamplePadding)
        midBlockScaleFactor = try value(.midBlockScaleFactor, d.midBlockScaleFactor)
        dropout = try value(.dropout, d.dropout)
        actFn = try value(.actFn, d.actFn)
        normNumGroups = try nullable(.normNumGroups, d.normNumGroups)
        normEps = try value(.normEps, d.normEps)
        crossAttentionDim = try value(.crossAttentionDim, d.crossAttentionDim)
        transformerLayersPerBlock = try value(.transformerLayersPerBlock, d.transformerLayersPerBlock)
        reverseTransformerLayersPerBlock = try c.decodeIfPresent([[Int]].self, forKey: .reverseTransformerLayersPerBlock)
        encoderHidDim = try c.decodeIfPresent(Int.self, forKey: .encoderHidDim)
        encoderHidDimType = try c.decodeIfPresent(String.self, forKey: .encoderHidDimType)
        attentionHeadDim = try value(.attentionHeadDim, d.attentionHeadDim)
        numAttentionHeads = try c.decodeIfPresent(OneOrMany<Int>.self, forKey: .numAttentionHeads)
        dualCrossAttention = try value(.dualCrossAttention, d.dualCrossAttention)
        useLinearProjection = try value(.useLinearProjection, d.useLinearProjection)
        classEmbedType = try c.decodeIfPresent(String.self, forKey: .classEmbedType)
        additionEmbedType = try c.decodeIfPresent(String.self, forKey: .additionEmbedType)
        additionTimeEmbedDim = try c.decodeIfPresent(Int.self, forKey: .additionTimeEmbedDim)
        numClassEmbeds = try c.decodeIfPresent(Int.self, forKey: .numClassEmbeds)
        upcastAttention = try value(.upcastAttention, d.upcastAttention)
        resnetTimeScaleShift = try value(.resnetTimeScaleShift, d.resnetTimeScaleShift)
        resnetSkipTimeAct = try value(.resnetSkipTimeAct, d.resnetSkipTimeAct)
        resnetOutScaleFactor = try value(.resnetOutScaleFactor, d.resnetOutScaleFactor)
        timeEmbeddingType = try value(.timeEmbeddingType, d.timeEmbeddingType)
        timeEmbeddingDim = try c.decodeIfPresent(Int.self, forKey: .timeEmbeddingDim)
        timeEmbeddingActFn = try c.decodeIfPresent(String.self, forKey: .timeEmbeddingActFn)
        timestepPostAct = try c.decodeIfPresent(String.self, forKey: .timestepPostAct)
        timeCondProjDim = try c.decodeIfPresent(Int.self, forKey: .timeCondProjDim)
        convInKernel = try value(.convInKernel, d.convInKernel)
        convOutKernel = try value(.convOutKernel, d.convOutKernel)
        projectionClassEmbeddingsInputDim = try c.decodeIfPresent(Int.self, forKey: .projectionClassEmbeddingsInputDim)
        attentionType = try value(.attentionType, d.attentionType)
        classEmbeddingsConcat = try value(.classEmbeddingsConcat, d.classEmbeddingsConcat)
        midBlockOnlyCrossAttention = try c.decodeIfPresent(Bool.self, forKey: .midBlockOnlyCrossAttention)
        crossAttentionNorm = try c.decodeIfPresent(String.self, forKey: .crossAttentionNorm)
        additionEmbedTypeNumHeads = try value(.additionEmbedTypeNumHeads, d.additionEmbedTypeNumHeads)
    }
}
