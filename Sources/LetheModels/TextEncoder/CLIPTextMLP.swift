import LetheTensor

/// transformers' CLIPMLP: fc1 → activation → fc2.
public struct CLIPTextMLP: Sendable {
    public let fc1: Linear
    public let activation: CLIPTextActivation
    public let fc2: Linear

    /// Loads `PREFIX.fc1` [intermediate, hidden] and `PREFIX.fc2` [hidden, intermediate].
    public init(_ store: WeightStore, _ prefix: String, hiddenSize: Int, intermediateSize: Int,
                activation: CLIPTextActivation) throws {
        fc1 = try Linear(store, "\(prefix).fc1", inFeatures: hiddenSize, outFeatures: intermediateSize)
        fc2 = try Linear(store, "\(prefix).fc2", inFeatures: intermediateSize, outFeatures: hiddenSize)
        self.activation = activation
    }
}

extension CLIPTextMLP {
    /// The forward pass (fc1 → activation → fc2), saving fc1's input, the activation's input and fc2's input.
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        let hidden = fc1.forward(input, tape: tape)
        tape?.save(hidden)
        return fc2.forward(activation.forward(hidden), tape: tape)
    }

    /// dL/d(input) from dL/d(output); accumulates fc1's and fc2's weight gradients if they train.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let activatedGradient = fc2.inputGradient(outputGradient, tape: tape, gradients: gradients)
        let hidden: Tensor = tape.restore()
        let hiddenGradient = activation.backward(activatedGradient, input: hidden)
        return fc1.inputGradient(hiddenGradient, tape: tape, gradients: gradients)
    }
}
