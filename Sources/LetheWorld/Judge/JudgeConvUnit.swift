import LetheModels
import LetheTensor

/// The judge's building unit: a 3×3 convolution (stride 1, or 2 to halve the image), GroupNorm and SiLU. The
/// normalisation keeps every unit's output of order one whatever the image's contrast, so one learning rate suits
/// every layer and a VAE decode a little darker or flatter than a rendering reads the same.
public struct JudgeConvUnit: Sendable {
    public let conv: Conv2D
    public let norm: GroupNorm

    /// Loads `PREFIX.conv.{weight, bias}` [out, in, 3, 3] and `PREFIX.norm.{weight, bias}` [out].
    public init(_ store: WeightStore, _ prefix: String, inChannels: Int, outChannels: Int, stride: Int,
                groups: Int, epsilon: Float) throws {
        conv = try Conv2D(store, "\(prefix).conv", inChannels: inChannels, outChannels: outChannels, kernel: 3,
                          stride: stride, padding: 1)
        norm = try GroupNorm(store, "\(prefix).norm", groups: groups, channels: outChannels, epsilon: epsilon)
    }
}

extension JudgeConvUnit {
    /// [B, in, H, W] → [B, out, H/stride, W/stride], saving what `backward` needs (SiLU keeps its input).
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        let normalized = norm.forward(conv.forward(input, tape: tape), tape: tape)
        tape?.save(normalized)
        return normalized.silu()
    }

    /// dL/d(input) from dL/d(output) (nil when `computeInputGradient` is false: the image's gradient is rarely
    /// wanted); accumulates the parameter gradients.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         computeInputGradient: Bool = true) -> Tensor? {
        let normalized: Tensor = tape.restore()
        let normGradient = norm.backward(outputGradient.siluBackward(input: normalized), tape: tape, gradients: gradients)
        return conv.backward(normGradient, tape: tape, gradients: gradients, computeInputGradient: computeInputGradient)
    }
}
