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

    public func callAsFunction(_ input: Tensor) -> Tensor {
        forward(input, tape: nil)
    }
}
