/// Whether an attention layer attends over its own input or over the text encoder's hidden states.
public enum AttentionKind: String, Sendable, Equatable {
    /// `attn1` of a transformer block, and the VAE's mid-block attention.
    case selfAttention = "self"
    /// `attn2` of a transformer block: queries from the image, keys and values from the text.
    case crossAttention = "cross"
}
