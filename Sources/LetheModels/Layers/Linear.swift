import LetheTensor

/// torch.nn.Linear: y = x·Wᵀ + b, weight [out, in].
public struct Linear: Sendable {
    public let weight: Tensor
    public let bias: Tensor?

    public init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }

    /// Loads `PREFIX.weight` [out, in] and, if `bias`, `PREFIX.bias` [out].
    public init(_ store: WeightStore, _ prefix: String, inFeatures: Int, outFeatures: Int, bias: Bool = true) throws {
        weight = try store.tensor("\(prefix).weight", shape: [outFeatures, inFeatures])
        self.bias = bias ? try store.tensor("\(prefix).bias", shape: [outFeatures]) : nil
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }
}

extension Linear {
    /// The forward pass, saving its input on the tape.
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        tape?.save(input)
        return input.linear(weight: weight, bias: bias)
    }

    /// dL/d(input) from dL/d(output); accumulates the weight and bias gradients if they train.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         computeInputGradient: Bool = true) -> Tensor? {
        let input: Tensor = tape.restore()
        return outputGradient.linearBackward(
            input: input, weight: weight, weightGradient: gradients.gradient(for: weight),
            biasGradient: bias.flatMap(gradients.gradient(for:)), computeInputGradient: computeInputGradient)
    }
}

extension Linear: PrimitiveLayer {}
