import LetheTensor

/// diffusers' `FeedForward` with its default GEGLU activation: `net.0.proj` to 2·inner (value and gate),
/// value · gelu(gate), then `net.2` back to the width (dropout `net.1` is the identity at inference).
public struct FeedForward: Sendable {
    public let projectIn: Linear
    public let projectOut: Linear

    /// Loads `PREFIX.net.0.proj` [2·inner, width] and `PREFIX.net.2` [width, inner], inner = 4·width.
    public init(_ store: WeightStore, _ prefix: String, width: Int, multiplier: Int = 4) throws {
        let inner = width * multiplier
        projectIn = try Linear(store, "\(prefix).net.0.proj", inFeatures: width, outFeatures: 2 * inner)
        projectOut = try Linear(store, "\(prefix).net.2", inFeatures: inner, outFeatures: width)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        projectOut(projectIn(input).geglu())
    }
}
