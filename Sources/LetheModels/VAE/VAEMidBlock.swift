import LetheTensor

/// diffusers' `UNetMidBlock2D` as the VAE uses it: resnet, attention (unless mid_block_add_attention is false),
/// resnet; no time embedding.
public struct VAEMidBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attention: VAEAttentionBlock?

    /// Loads `PREFIX.resnets.{0,1}` and `PREFIX.attentions.0`.
    public init(_ store: WeightStore, _ prefix: String, channels: Int, groups: Int, addAttention: Bool) throws {
        let epsilon: Float = 1e-6
        let first = try ResnetBlock2D(store, "\(prefix).resnets.0", inChannels: channels, outChannels: channels,
                                      timeEmbeddingChannels: nil, groups: groups, epsilon: epsilon)
        attention = addAttention
            ? try VAEAttentionBlock(store, name: "\(prefix).attentions.0", channels: channels, groups: groups, epsilon: epsilon)
            : nil
        let second = try ResnetBlock2D(store, "\(prefix).resnets.1", inChannels: channels, outChannels: channels,
                                       timeEmbeddingChannels: nil, groups: groups, epsilon: epsilon)
        resnets = [first, second]
    }
}

extension VAEMidBlock {
    /// The forward pass: resnet, attention (if any), resnet.
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        var x = resnets[0].forward(input, timeEmbedding: nil, tape: tape)
        if let attention { x = attention.forward(x, tape: tape) }
        return resnets[1].forward(x, timeEmbedding: nil, tape: tape)
    }

    /// dL/d(input) from dL/d(output).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        var gradient = resnets[1].backward(outputGradient, tape: tape, gradients: gradients).input
        if let attention { gradient = attention.backward(gradient, tape: tape, gradients: gradients) }
        return resnets[0].backward(gradient, tape: tape, gradients: gradients).input
    }
}
