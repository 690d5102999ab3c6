import LetheTensor

/// diffusers' `ResnetBlock2D` (time_embedding_norm "default", SiLU): norm1, silu, conv1, + time_emb_proj(silu(temb)),
/// norm2, silu, conv2, added to the input (through a 1×1 conv_shortcut when the channels change), divided by
/// output_scale_factor.
public struct ResnetBlock2D: Sendable {
    /// The diffusers module path, e.g. `down_blocks.0.resnets.0`.
    public let name: String
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
        name = prefix
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
}

extension ResnetBlock2D {
    /// input [B, Cin, H, W], timeEmbedding [B, T] (required iff the block has time_emb_proj) → [B, Cout, H, W],
    /// saving what backward needs (each SiLU keeps its input).
    public func forward(_ input: Tensor, timeEmbedding: Tensor?, tape: ActivationTape? = nil) -> Tensor {
        let normalized1 = norm1.forward(input, tape: tape)
        tape?.save(normalized1)
        var x = conv1.forward(normalized1.silu(), tape: tape)
        if let timeEmbeddingProjection {
            guard let timeEmbedding else { preconditionFailure("ResnetBlock2D with time_emb_proj needs a time embedding") }
            tape?.save(timeEmbedding)
            let shift = timeEmbeddingProjection.forward(timeEmbedding.silu(), tape: tape)
            x = x + shift.reshaped([shift.shape[0], shift.shape[1], 1, 1])
        }
        let normalized2 = norm2.forward(x, tape: tape)
        tape?.save(normalized2)
        let output = conv2.forward(normalized2.silu(), tape: tape)
        // conv2's output is fresh and held by no tape: the shortcut is added into it.
        output.addInPlace(convShortcut.map { $0.forward(input, tape: tape) } ?? input)
        return outputScaleFactor == 1 ? output : output / Tensor(scalar: outputScaleFactor)
    }

    /// Gradients with respect to the input and the time embedding (nil when the block has no time_emb_proj).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (input: Tensor, timeEmbedding: Tensor?) {
        let sumGradient = outputScaleFactor == 1 ? outputGradient : outputGradient / Tensor(scalar: outputScaleFactor)
        let shortcutGradient = convShortcut.map { $0.inputGradient(sumGradient, tape: tape, gradients: gradients) }
        var x = conv2.inputGradient(sumGradient, tape: tape, gradients: gradients)
        let normalized2: Tensor = tape.restore()
        x = norm2.backward(x.siluBackward(input: normalized2), tape: tape, gradients: gradients)
        var timeEmbeddingGradient: Tensor?
        if let timeEmbeddingProjection {
            // The shift was broadcast over every position: its gradient sums over them.
            let (batch, channels) = (x.shape[0], x.shape[1])
            let shiftGradient = x.reshaped([batch, channels, x.shape[2] * x.shape[3]]).sum(axis: 2)
            let activatedGradient = timeEmbeddingProjection.inputGradient(shiftGradient, tape: tape, gradients: gradients)
            let timeEmbedding: Tensor = tape.restore()
            timeEmbeddingGradient = activatedGradient.siluBackward(input: timeEmbedding)
        }
        x = conv1.inputGradient(x, tape: tape, gradients: gradients)
        let normalized1: Tensor = tape.restore()
        let input = norm1.backward(x.siluBackward(input: normalized1), tape: tape, gradients: gradients)
        input.addInPlace(shortcutGradient ?? sumGradient)
        return (input, timeEmbeddingGradient)
    }
}
