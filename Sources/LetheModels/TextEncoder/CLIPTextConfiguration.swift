/// transformers' `CLIPTextConfig`, as a pipeline's text_encoder/config.json holds it.
///
/// Absent keys take transformers' defaults (those of openai/clip-vit-base-patch32). A full `CLIPConfig` (with
/// `text_config` and `vision_config`) decodes from its `text_config`, as `CLIPTextConfig.from_pretrained` does.
/// Decoding does not check the values; `validate(source:)` does (the loading initializers call it).
public struct CLIPTextConfiguration: Codable, Sendable, Equatable {
    public var vocabSize: Int = 49408
    public var hiddenSize: Int = 512
    public var intermediateSize: Int = 2048
    /// Not used by the text model itself (CLIPTextModelWithProjection's output width), kept for completeness.
    public var projectionDim: Int? = 512
    public var numHiddenLayers: Int = 12
    public var numAttentionHeads: Int = 8
    public var maxPositionEmbeddings: Int = 77
    /// One of quick_gelu, gelu, gelu_new, gelu_pytorch_tanh (see `CLIPTextActivation`).
    public var hiddenAct: String = "quick_gelu"
    public var layerNormEps: Double = 1e-5
    public var padTokenID: Int? = 1
    public var bosTokenID: Int? = 49406
    /// Picks the pooled position: the first occurrence of this id, or (when 2, the value of configs written before
    /// transformers PR #24773, such as SD 1.x/2.x's) the largest id of each sequence.
    public var eosTokenID: Int? = 49407
    public var architectures: [String]?
    public var modelType: String? = "clip_text_model"

    /// transformers' defaults.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case projectionDim = "projection_dim"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
        case padTokenID = "pad_token_id"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
        case architectures
        case modelType = "model_type"
        case textConfig = "text_config"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.textConfig) {
            self = try container.decode(CLIPTextConfiguration.self, forKey: .textConfig)
            return
        }
        let defaults = CLIPTextConfiguration()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        // An explicit null keeps None in transformers; absent keys take the class default.
        func optional<T: Decodable>(_ key: CodingKeys, _ fallback: T?) throws -> T? {
            container.contains(key) ? try container.decodeIfPresent(T.self, forKey: key) : fallback
        }
        vocabSize = try value(.vocabSize, defaults.vocabSize)
        hiddenSize = try value(.hiddenSize, defaults.hiddenSize)
        intermediateSize = try value(.intermediateSize, defaults.intermediateSize)
        projectionDim = try optional(.projectionDim, defaults.projectionDim)
        numHiddenLayers = try value(.numHiddenLayers, defaults.numHiddenLayers)
        numAttentionHeads = try value(.numAttentionHeads, defaults.numAttentionHeads)
        maxPositionEmbeddings = try value(.maxPositionEmbeddings, defaults.maxPositionEmbeddings)
        hiddenAct = try value(.hiddenAct, defaults.hiddenAct)
        layerNormEps = try value(.layerNormEps, defaults.layerNormEps)
        padTokenID = try optional(.padTokenID, defaults.padTokenID)
        bosTokenID = try optional(.bosTokenID, defaults.bosTokenID)
        eosTokenID = try Self.decodeTokenID(container, .eosTokenID, fallback: defaults.eosTokenID)
        architectures = try container.decodeIfPresent([String].self, forKey: .architectures)
        modelType = try optional(.modelType, defaults.modelType)
    }

    /// `eos_token_id` may also be a list in transformers 5; a single-element list is the same id.
    private static func decodeTokenID(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys,
                                      fallback: Int?) throws -> Int? {
        guard container.contains(key) else { return fallback }
        if let list = try? container.decodeIfPresent([Int].self, forKey: key) {
            guard list.count == 1 else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "a list of \(list.count) ids, but the text model pools at a single eos token id")
            }
            return list[0]
        }
        return try container.decodeIfPresent(Int.self, forKey: key)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(vocabSize, forKey: .vocabSize)
        try container.encode(hiddenSize, forKey: .hiddenSize)
        try container.encode(intermediateSize, forKey: .intermediateSize)
        try container.encode(projectionDim, forKey: .projectionDim)
        try container.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try container.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try container.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try container.encode(hiddenAct, forKey: .hiddenAct)
        try container.encode(layerNormEps, forKey: .layerNormEps)
        try container.encode(padTokenID, forKey: .padTokenID)
        try container.encode(bosTokenID, forKey: .bosTokenID)
        try container.encode(eosTokenID, forKey: .eosTokenID)
        try container.encodeIfPresent(architectures, forKey: .architectures)
        try container.encode(modelType, forKey: .modelType)
    }

    /// Width of one attention head.
    public var headDimension: Int { hiddenSize / numAttentionHeads }
}
