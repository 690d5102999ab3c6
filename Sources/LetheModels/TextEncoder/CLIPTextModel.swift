import LetheTensor

/// transformers' CLIPTextModel, the Stable Diffusion 1.x/2.x text encoder: token and position embeddings, pre-LN
/// causal transformer layers, final LayerNorm, and the pooled EOS output.
///
/// A value type holding its weights; every forward is a pure function of its inputs.
public struct CLIPTextModel: Sendable {
    public let configuration: CLIPTextConfiguration
    public let embeddings: CLIPTextEmbeddings
    public let layers: [CLIPTextEncoderLayer]
    public let finalLayerNorm: LayerNorm

    /// Takes every weight from `store` (names with or without the `text_model.` prefix, as transformers accepts);
    /// the caller calls `store.finish()` to reject tensors the model did not use.
    public init(configuration: CLIPTextConfiguration, weights store: WeightStore) throws {
        try configuration.validate()
        let activation = try configuration.activation()
        let prefix = store.checkpointHas("text_model.embeddings.token_embedding.weight") ? "text_model." : ""
        self.configuration = configuration
        embeddings = try CLIPTextEmbeddings(store, checkpointPrefix: prefix, configuration: configuration)
        layers = try (0..<configuration.numHiddenLayers).map {
            try CLIPTextEncoderLayer(store, checkpointPrefix: prefix, index: $0, configuration: configuration,
                                     activation: activation)
        }
        finalLayerNorm = try LayerNorm(store, "\(prefix)final_layer_norm", width: configuration.hiddenSize,
                                       epsilon: Float(configuration.layerNormEps))
    }

    /// The attention layers, by their transformers module names (`text_model.encoder.layers.N.self_attn`).
    public var attentionLayers: [CLIPTextAttention] { layers.map(\.selfAttention) }

    /// transformers' forward: `input_ids` [batch, length ≤ max_position_embeddings], an optional padding
    /// `attention_mask` of the same shape (nonzero keeps a token; Stable Diffusion pipelines pass none).
    public func forward(_ inputIDs: CLIPTextTokenIDs, attentionMask: [[Int]]? = nil,
                        outputHiddenStates: Bool = false) throws -> CLIPTextModelOutput {
        try forward(inputIDs, attentionMask: attentionMask, outputHiddenStates: outputHiddenStates, tape: nil)
    }

    /// `forward` for ids as nested arrays (Int, Int32, Int64...).
    public func forward<ID: BinaryInteger>(inputIDs: [[ID]], attentionMask: [[Int]]? = nil,
                                           outputHiddenStates: Bool = false) throws -> CLIPTextModelOutput {
        try forward(CLIPTextTokenIDs(inputIDs), attentionMask: attentionMask, outputHiddenStates: outputHiddenStates)
    }

    /// The forward pass from token embeddings [batch, length, hidden] (the `inputs_embeds` of CLIPTextEmbeddings:
    /// token rows, possibly replaced, before the position embeddings). `inputIDs`, if given, only choose the
    /// pooled position and are not checked against the vocabulary (textual inversion tokens lie beyond it).
    public func forward(tokenEmbeddings: Tensor, inputIDs: CLIPTextTokenIDs? = nil, attentionMask: [[Int]]? = nil,
                        outputHiddenStates: Bool = false) throws -> CLIPTextModelOutput {
        try forward(tokenEmbeddings: tokenEmbeddings, inputIDs: inputIDs, attentionMask: attentionMask,
                    outputHiddenStates: outputHiddenStates, tape: nil)
    }

    /// The prompt embeddings diffusers' `encode_prompt` hands the UNet: last_hidden_state, or with `clipSkip` k the
    /// hidden state k layers before the last (hidden_states[-(k+1)]) through final_layer_norm. Layers after it
    /// are not run.
    public func promptEmbeddings(_ inputIDs: CLIPTextTokenIDs, attentionMask: [[Int]]? = nil,
                                 clipSkip: Int? = nil) throws -> Tensor {
        try promptEmbeddings(inputIDs, attentionMask: attentionMask, clipSkip: clipSkip, tape: nil)
    }

    /// `promptEmbeddings` from token embeddings [batch, length, hidden] (see `forward(tokenEmbeddings:)`).
    public func promptEmbeddings(tokenEmbeddings: Tensor, attentionMask: [[Int]]? = nil,
                                 clipSkip: Int? = nil) throws -> Tensor {
        try promptEmbeddings(tokenEmbeddings: tokenEmbeddings, attentionMask: attentionMask, clipSkip: clipSkip,
                             tape: nil)
    }

    func makeAttentionMask(batch: Int, length: Int, _ paddingMask: [[Int]]?) throws -> CLIPTextAttentionMask {
        guard let paddingMask else { return CLIPTextAttentionMask(causalBatch: batch, length: length) }
        return try CLIPTextAttentionMask(batch: batch, length: length, paddingMask: paddingMask)
    }
}
