import LetheTensor

/// diffusers' `Upsample2D` with a convolution: nearest-neighbour ×2 (or to the size of the skip connection it
/// will meet, which diffusers passes for odd sizes), then a 3×3 convolution.
public struct Upsample2D: Sendable {
    public let conv: Conv2D

    /// Loads `PREFIX.conv` [channels, channels, 3, 3] with bias.
    public init(_ store: WeightStore, _ prefix: String, channels: Int) throws {
        conv = try Conv2D(store, "\(prefix).conv", inChannels: channels, outChannels: channels, kernel: 3, padding: 1)
    }
}

extension Upsample2D {
    /// input [B, C, H, W] → [B, C, 2H, 2W], or [B, C, size.height, size.width] when a size is given; saves the
    /// input's size for backward (the convolution saves the upsampled image).
    public func forward(_ input: Tensor, size: (height: Int, width: Int)?, tape: ActivationTape? = nil) -> Tensor {
        let upsampled = size.map { input.upsampleNearest(height: $0.height, width: $0.width) } ?? input.upsampleNearest(factor: 2)
        tape?.save(UpsampledInput(height: input.shape[2], width: input.shape[3], doubled: size == nil))
        return conv.forward(upsampled, tape: tape)
    }

    /// dL/d(input) from dL/d(output): each input pixel gets the sum over the output pixels copied from it.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let upsampledGradient = conv.inputGradient(outputGradient, tape: tape, gradients: gradients)
        let input: UpsampledInput = tape.restore()
        return input.doubled ? upsampledGradient.upsampleNearestBackward(factor: 2)
            : upsampledGradient.upsampleNearestBackward(inputHeight: input.height, inputWidth: input.width)
    }
}

/// What Upsample2D's backward needs to know about its input.
private struct UpsampledInput {
    let height: Int
    let width: Int
    /// Upsampled by the factor 2 rather than to a given size.
    let doubled: Bool
}
