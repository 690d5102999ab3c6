import LetheTensor

/// torch.nn.Conv2d (groups 1, dilation 1): weight [out, in, k, k], optional bias [out].
public struct Conv2D: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let geometry: Conv2DGeometry

    public init(_ store: WeightStore, _ prefix: String, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int = 0, bias: Bool = true) throws {
        weight = try store.tensor("\(prefix).weight", shape: [outChannels, inChannels, kernel, kernel])
        self.bias = bias ? try store.tensor("\(prefix).bias", shape: [outChannels]) : nil
        geometry = Conv2DGeometry(stride: stride, padding: padding)
    }

    public var outChannels: Int { weight.shape[0] }
}

extension Conv2D {
    /// The forward pass, saving its input on the tape.
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        tape?.save(input)
        return input.conv2d(weight: weight, bias: bias, geometry: geometry)
    }

    /// dL/d(input) from dL/d(output); accumulates the weight and bias gradients if they train.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         computeInputGradient: Bool = true) -> Tensor? {
        let input: Tensor = tape.restore()
        return outputGradient.conv2dBackward(
            input: input, weight: weight, geometry: geometry, weightGradient: gradients.gradient(for: weight),
            biasGradient: bias.flatMap(gradients.gradient(for:)), computeInputGradient: computeInputGradient)
    }
}

extension Conv2D: PrimitiveLayer {}
