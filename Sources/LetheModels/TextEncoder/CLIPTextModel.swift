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

    func makeAttentionMask(batch: Int, length: Int, _ paddingMask: [[Int]]?) throws -> CLIPTextAttentionMask {
        guard let paddingMask else { return CLIPTextAttentionMask(causalBatch: batch, length: length) }
        return try CLIPTextAttentionMask(batch: batch, length: length, paddingMask: paddingMask)
    }
}

/// What the model's backward pass needs to know about its forward pass, saved last on the tape.
private struct CLIPTextForwardRecord {
    /// Encoder layers run (fewer than the model has with clip_skip).
    let layerCount: Int
}

extension CLIPTextModel {
    /// transformers' forward: `input_ids` [batch, length ≤ max_position_embeddings], an optional padding
    /// `attention_mask` of the same shape (nonzero keeps a token; Stable Diffusion pipelines pass none). With a
    /// recording tape, saves what `backward(_:inputIDs:tape:gradients:)` needs (the text encoder keeps every
    /// activation: it is small).
    public func forward(_ inputIDs: CLIPTextTokenIDs, attentionMask: [[Int]]? = nil, outputHiddenStates: Bool = false,
                        tape: ActivationTape? = nil) throws -> CLIPTextModelOutput {
        try forward(tokenEmbeddings: embeddings.tokenEmbeddings(for: inputIDs), inputIDs: inputIDs,
                    attentionMask: attentionMask, outputHiddenStates: outputHiddenStates, tape: tape)
    }

    /// `forward` for ids as nested arrays (Int, Int32, Int64...).
    public func forward<ID: BinaryInteger>(inputIDs: [[ID]], attentionMask: [[Int]]? = nil,
                                           outputHiddenStates: Bool = false,
                                           tape: ActivationTape? = nil) throws -> CLIPTextModelOutput {
        try forward(CLIPTextTokenIDs(inputIDs), attentionMask: attentionMask, outputHiddenStates: outputHiddenStates,
                    tape: tape)
    }

    /// The forward pass from token embeddings [batch, length, hidden] (the `inputs_embeds` of CLIPTextEmbeddings:
    /// token rows, possibly replaced, before the position embeddings). `inputIDs`, if given, only choose the
    /// pooled position and are not checked against the vocabulary (textual inversion tokens lie beyond it). With a
    /// recording tape, saves what `backward(_:tape:gradients:)` needs; the backward pass takes the gradient of
    /// `lastHiddenState` only (fold a pooled-output gradient into it at the pooled positions).
    public func forward(tokenEmbeddings: Tensor, inputIDs: CLIPTextTokenIDs? = nil, attentionMask: [[Int]]? = nil,
                        outputHiddenStates: Bool = false, tape: ActivationTape? = nil) throws -> CLIPTextModelOutput {
        let hidden = try embeddings.addingPositions(to: tokenEmbeddings)
        let (batch, length) = (hidden.shape[0], hidden.shape[1])
        if let inputIDs, inputIDs.batch != batch || inputIDs.length != length {
            throw CLIPTextModelError.wrongShape(argument: "input_ids", expected: [batch, length],
                                                found: [inputIDs.batch, inputIDs.length])
        }
        let mask = try makeAttentionMask(batch: batch, length: length, attentionMask)
        let (lastHiddenState, states) = encode(hidden, mask: mask, layerCount: layers.count,
                                               keepingHiddenStates: outputHiddenStates, tape: tape)
        let pooled = inputIDs.flatMap { pooledOutput(lastHiddenState, inputIDs: $0) }
        return CLIPTextModelOutput(lastHiddenState: lastHiddenState, pooledOutput: pooled,
                                   hiddenStates: outputHiddenStates ? states : nil)
    }

    /// The prompt embeddings diffusers' `encode_prompt` hands the UNet: last_hidden_state, or with `clipSkip` k the
    /// hidden state k layers before the last (hidden_states[-(k+1)]) through final_layer_norm. Layers after it
    /// are not run. Its backward pass is `backward(_:inputIDs:tape:gradients:)` with the gradient of the prompt
    /// embeddings.
    public func promptEmbeddings(_ inputIDs: CLIPTextTokenIDs, attentionMask: [[Int]]? = nil, clipSkip: Int? = nil,
                                 tape: ActivationTape? = nil) throws -> Tensor {
        try promptEmbeddings(tokenEmbeddings: embeddings.tokenEmbeddings(for: inputIDs), attentionMask: attentionMask,
                             clipSkip: clipSkip, tape: tape)
    }

    /// `promptEmbeddings` from token embeddings [batch, length, hidden] (see `forward(tokenEmbeddings:)`); its
    /// backward pass is `backward(_:tape:gradients:)` with the gradient of the prompt embeddings. With clip_skip,
    /// the skipped layers neither run nor get gradients.
    public func promptEmbeddings(tokenEmbeddings: Tensor, attentionMask: [[Int]]? = nil, clipSkip: Int? = nil,
                                 tape: ActivationTape? = nil) throws -> Tensor {
        let skip = clipSkip ?? 0
        guard skip >= 0, skip < layers.count else {
            throw CLIPTextModelError.clipSkipOutOfRange(clipSkip: skip, layerCount: layers.count)
        }
        let hidden = try embeddings.addingPositions(to: tokenEmbeddings)
        let mask = try makeAttentionMask(batch: hidden.shape[0], length: hidden.shape[1], attentionMask)
        return encode(hidden, mask: mask, layerCount: layers.count - skip, keepingHiddenStates: false, tape: tape).0
    }

    /// The backward pass of a training forward pass (from token embeddings or ids, with or without clip_skip):
    /// dL/d(last hidden state or prompt embeddings) [batch, length, hidden] → dL/d(token embeddings)
    /// [batch, length, hidden], the gradient of the `tokenEmbeddings` input. Accumulates the gradients of the
    /// trained parameters, the position embedding included; the token embedding table gets none here (see
    /// `backward(_:inputIDs:tape:gradients:)`). Pops everything the forward pass saved.
    public func backward(_ lastHiddenStateGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> Tensor {
        let record: CLIPTextForwardRecord = tape.restore()
        var gradient = finalLayerNorm.backward(lastHiddenStateGradient, tape: tape, gradients: gradients)
        for layer in layers.prefix(record.layerCount).reversed() {
            gradient = layer.backward(gradient, tape: tape, gradients: gradients)
        }
        return embeddings.addingPositionsBackward(gradient, gradients: gradients)
    }

    /// `backward(_:tape:gradients:)` for a forward pass from `inputIDs`, which also accumulates the token embedding
    /// gradient at those ids: into the whole table if `token_embedding.weight` trains, or only into its selected
    /// rows (textual inversion: `ParameterSelection(rows:)`). Returns dL/d(token embeddings) [batch, length, hidden].
    public func backward(_ lastHiddenStateGradient: Tensor, inputIDs: CLIPTextTokenIDs, tape: ActivationTape,
                         gradients: ParameterGradients) -> Tensor {
        let gradient = backward(lastHiddenStateGradient, tape: tape, gradients: gradients)
        embeddings.tokenEmbeddingsBackward(gradient, ids: inputIDs, gradients: gradients)
        return gradient
    }

    /// Runs the first `layerCount` encoder layers and final_layer_norm; with `keepingHiddenStates`, also returns the
    /// input and every layer's output (before final_layer_norm).
    func encode(_ hidden: Tensor, mask: CLIPTextAttentionMask, layerCount: Int, keepingHiddenStates: Bool,
                tape: ActivationTape?) -> (Tensor, [Tensor]) {
        var current = hidden
        var states = keepingHiddenStates ? [hidden] : []
        for layer in layers.prefix(layerCount) {
            current = layer.forward(current, mask: mask, tape: tape)
            if keepingHiddenStates { states.append(current) }
        }
        let output = finalLayerNorm.forward(current, tape: tape)
        tape?.save(CLIPTextForwardRecord(layerCount: layerCount))
        return (output, states)
    }
}
