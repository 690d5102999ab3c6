import LetheTensor

/// diffusers' `TimestepEmbedding`: linear_1, SiLU, linear_2, applied to the sinusoidal projection of the timesteps.
public struct TimestepEmbedding: Sendable {
    public let linear1: Linear
    public let linear2: Linear

    /// Loads `PREFIX.linear_1` [embedding, input] and `PREFIX.linear_2` [embedding, embedding], with biases.
    public init(_ store: WeightStore, _ prefix: String, inputChannels: Int, embeddingChannels: Int) throws {
        linear1 = try Linear(store, "\(prefix).linear_1", inFeatures: inputChannels, outFeatures: embeddingChannels)
        linear2 = try Linear(store, "\(prefix).linear_2", inFeatures: embeddingChannels, outFeatures: embeddingChannels)
    }

    /// projection [B, input] → [B, embedding].
    public func callAsFunction(_ projection: Tensor) -> Tensor {
        forward(projection, tape: nil)
    }
}
