import LetheTensor

/// What a CLIPTextModel forward pass returns (transformers' BaseModelOutputWithPooling).
public struct CLIPTextModelOutput: Sendable {
    /// [batch, length, hidden]: the last layer's output through final_layer_norm.
    public let lastHiddenState: Tensor
    /// [batch, hidden]: `lastHiddenState` at each sequence's EOS position (see `CLIPTextConfiguration.eosTokenID`);
    /// nil when the config has no eos_token_id or when embeddings were given without ids.
    public let pooledOutput: Tensor?
    /// When requested: the embeddings, then the output of every encoder layer (num_hidden_layers + 1 tensors of
    /// [batch, length, hidden], the last one before final_layer_norm), as transformers' `hidden_states`.
    public let hiddenStates: [Tensor]?
}
