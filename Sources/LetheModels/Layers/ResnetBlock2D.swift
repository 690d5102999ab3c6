import LetheTensor

/// diffusers' `ResnetBlock2D` (time_embedding_norm "default", SiLU): norm1, silu, conv1, + time_emb_proj(silu(temb)),
/// norm2, silu, conv2, added to the input (through a 1×1 conv_shortcut when the channels change), divided by
/// output_scale_factor.
public struct ResnetBlock2D: Sendable {
    public let norm1: GroupNorm
    public let conv1: Conv2D
    public let timeEmbeddingProjection: Linear?
    public let norm2: GroupNorm
    public let conv2: Conv2D
    public let convShortcut: Conv2D?
    public let outputScaleFactor: Float

    /// Loads `PREFIX.{norm1, conv1, time_emb_proj, norm2, conv2, conv_shortcut}`; no time_emb_proj when
    /// `timeEmbeddingChannels` is nil (the VAE), no conv_shortcut when the channels stay the same.
    public init(_ store: WeightStore, _ prefix: String, inChannels: Int, outChannels: Int, timeEmbeddingChannels: Int?,
                groups: Int, epsilon: Float, outputScaleFactor: Float = 1) throws {
        norm1 = try GroupNorm(store, "\(prefix).norm1", groups: groups, channels: inChannels, epsilon: epsilon)
        conv1 = try Conv2D(store, "\(prefix).conv1", inChannels: inChannels, outChannels: outChannels, kernel: 3, padding: 1)
        timeEmbeddingProjection = try timeEmbeddingChannels.map {
            try Linear(store, "\(prefix).time_emb_proj", inFeatures: $0, outFeatures: outChannels)
        }
        norm2 = try GroupNorm(store, "\(prefix).norm2", groups: groups, channels: outChannels, epsilon: epsilon)
        conv2 = try Conv2D(store, "\(prefix).conv2", inChannels: outChannels, outChannels: outChannels, kernel: 3, padding: 1)
        convShortcut = inChannels == outChannels ? nil
            : try Conv2D(store, "\(prefix).conv_shortcut", inChannels: inChannels, outChannels: outChannels, kernel: 1)
        self.outputScaleFactor = outputScaleFactor
    }

    /// input [B, Cin, H, W], timeEmbedding [B, T] (required iff the block has time_emb_proj) → [B, Cout, H, W].
    public func callAsFunction(_ input: Tensor, timeEmbedding: Tensor?) -> Tensor {
        forward(input, timeEmbedding: timeEmbedding, tape: nil)
    }
}
