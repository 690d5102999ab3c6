import LetheTensor

/// diffusers' `Downsample2D` with a convolution: 3×3, stride 2, `padding` on every side; with padding 0 (the VAE)
/// the input first gets one zero row and column at the bottom and right, as diffusers pads it.
public struct Downsample2D: Sendable {
    public let conv: Conv2D
    public let padding: Int

    /// Loads `PREFIX.conv` [channels, channels, 3, 3] with bias.
    public init(_ store: WeightStore, _ prefix: String, channels: Int, padding: Int) throws {
        conv = try Conv2D(store, "\(prefix).conv", inChannels: channels, outChannels: channels, kernel: 3,
                          stride: 2, padding: padding)
        self.padding = padding
    }
}

extension Downsample2D {
    /// input [B, C, H, W] → [B, C, ⌈H/2⌉, ⌈W/2⌉] (padding 1) or, after a zero row and column at the bottom and
    /// right, [B, C, ⌊H/2⌋, ⌊W/2⌋] (padding 0); the convolution saves its (padded) input.
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
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
