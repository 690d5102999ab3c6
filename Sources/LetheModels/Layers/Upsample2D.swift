import LetheTensor

/// diffusers' `Upsample2D` with a convolution: nearest-neighbour ×2 (or to the size of the skip connection it
/// will meet, which diffusers passes for odd sizes), then a 3×3 convolution.
public struct Upsample2D: Sendable {
    public let conv: Conv2D

    /// Loads `PREFIX.conv` [channels, channels, 3, 3] with bias.
    public init(_ store: WeightStore, _ prefix: String, channels: Int) throws {
        conv = try Conv2D(store, "\(prefix).conv", inChannels: channels, outChannels: channels, kernel: 3, padding: 1)
    }

    /// input [B, C, H, W] → [B, C, 2H, 2W], or [B, C, size.height, size.width] when a size is given.
    public func callAsFunction(_ input: Tensor, size: (height: Int, width: Int)? = nil) -> Tensor {
        forward(input, size: size, tape: nil)
    }
}
