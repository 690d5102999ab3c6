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

    public func callAsFunction(_ input: Tensor) -> Tensor {
        forward(input, tape: nil)
    }
}
