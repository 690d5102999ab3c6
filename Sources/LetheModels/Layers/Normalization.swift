import LetheTensor

/// torch.nn.GroupNorm with affine weight and bias [channels].
public struct GroupNorm: Sendable {
    public let groups: Int
    public let epsilon: Float
    public let weight: Tensor
    public let bias: Tensor

    public init(_ store: WeightStore, _ prefix: String, groups: Int, channels: Int, epsilon: Float) throws {
        self.groups = groups
        self.epsilon = epsilon
        weight = try store.tensor("\(prefix).weight", shape: [channels])
        bias = try store.tensor("\(prefix).bias", shape: [channels])
    }
}

/// torch.nn.LayerNorm over the last axis with affine weight and bias.
public struct LayerNorm: Sendable {
    public let epsilon: Float
    public let weight: Tensor
    public let bias: Tensor

    public init(_ store: WeightStore, _ prefix: String, width: Int, epsilon: Float) throws {
        self.epsilon = epsilon
        weight = try store.tensor("\(prefix).weight", shape: [width])
        bias = try store.tensor("\(prefix).bias", shape: [width])
    }
}

extension GroupNorm {
    /// The forward pass, saving its input on the tape (the statistics are recomputed in the backward pass).
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        tape?.save(input)
        return input.groupNorm(groups: groups, weight: weight, bias: bias, epsilon: epsilon)
    }

    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let input: Tensor = tape.restore()
        return outputGradient.groupNormBackward(
            input: input, groups: groups, weight: weight, epsilon: epsilon,
            weightGradient: gradients.gradient(for: weight), biasGradient: gradients.gradient(for: bias))
    }
}

extension LayerNorm {
    /// The forward pass, saving its input on the tape.
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        tape?.save(input)
        return input.layerNorm(weight: weight, bias: bias, epsilon: epsilon)
    }

    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let input: Tensor = tape.restore()
        return outputGradient.layerNormBackward(
            input: input, weight: weight, epsilon: epsilon,
            weightGradient: gradients.gradient(for: weight), biasGradient: gradients.gradient(for: bias))
    }
}
