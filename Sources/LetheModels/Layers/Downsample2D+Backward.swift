import LetheTensor

extension Downsample2D {
    /// input [B, C, H, W] → [B, C, ⌈H/2⌉, ⌈W/2⌉] (padding 1) or, after a zero row and column at the bottom and
    /// right, [B, C, ⌊H/2⌋, ⌊W/2⌋] (padding 0); the convolution saves its (padded) input.
    public func forward(_ input: Tensor, tape: ActivationTape?) -> Tensor {
        conv.forward(padding == 0 ? input.zeroPadded(bottom: 1, right: 1) : input, tape: tape)
    }

    /// dL/d(input) from dL/d(output).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let padded = conv.inputGradient(outputGradient, tape: tape, gradients: gradients)
        guard padding == 0 else { return padded }
        // The padding row and column were constants: drop their gradient.
        return padded.narrowed(axis: 2, start: 0, length: padded.shape[2] - 1)
            .narrowed(axis: 3, start: 0, length: padded.shape[3] - 1).contiguous()
    }
}
