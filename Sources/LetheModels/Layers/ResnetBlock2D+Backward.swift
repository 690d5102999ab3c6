import LetheTensor

extension ResnetBlock2D {
    /// input [B, Cin, H, W], timeEmbedding [B, T] (required iff the block has time_emb_proj) → [B, Cout, H, W],
    /// saving what backward needs (each SiLU keeps its input).
    public func forward(_ input: Tensor, timeEmbedding: Tensor?, tape: ActivationTape?) -> Tensor {
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
