import LetheTensor

/// diffusers' `UNetMidBlock2DCrossAttn`: a resnet, then (Transformer2DModel, resnet) pairs.
public struct UNetMidBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]

    init(_ store: WeightStore, _ prefix: String, _ plan: UNetArchitecture.MidBlock, timeEmbeddingChannels: Int,
         groups: Int, epsilon: Float, outputScaleFactor: Float, useLinearProjection: Bool) throws {
        resnets = try (0..<2).map {
            try ResnetBlock2D(store, "\(prefix).resnets.\($0)", inChannels: plan.channels, outChannels: plan.channels,
                              timeEmbeddingChannels: timeEmbeddingChannels, groups: groups, epsilon: epsilon,
                              outputScaleFactor: outputScaleFactor)
        }
        attentions = [try Transformer2DModel(
            store, "\(prefix).attentions.0", channels: plan.channels, heads: plan.heads, layers: plan.transformerLayers,
            crossAttentionDimension: plan.crossAttentionDimension, groups: groups, useLinearProjection: useLinearProjection)]
    }

    public var attentionLayers: [Attention] { attentions.flatMap(\.attentionLayers) }
}

extension UNetMidBlock {
    /// The forward pass; with block checkpointing the tape keeps only the inputs.
    public func forward(_ input: Tensor, timeEmbedding: Tensor, context: Tensor, tape: ActivationTape? = nil) -> Tensor {
        let inputs: Inputs = (input, timeEmbedding, context)
        return ActivationTape.checkpointed(inputs, on: tape) { layersForward($0, tape: $1) }
    }

    /// Gradients with respect to the input, the time embedding and the context.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (input: Tensor, timeEmbedding: Tensor?, context: Tensor?) {
        tape.backwardThroughCheckpoint(recomputing: { layersForward($0, tape: $1) }) {
            layersBackward(outputGradient, tape: $0, gradients: gradients)
        }
    }

    /// What a checkpointed block keeps: its input, the time embedding and the context.
    private typealias Inputs = (input: Tensor, timeEmbedding: Tensor, context: Tensor)

    private func layersForward(_ inputs: Inputs, tape: ActivationTape?) -> Tensor {
        let (timeEmbedding, context) = (inputs.timeEmbedding, inputs.context)
        var x = resnets[0].forward(inputs.input, timeEmbedding: timeEmbedding, tape: tape)
        for (attention, resnet) in zip(attentions, resnets.dropFirst()) {
            x = attention.forward(x, context: context, tape: tape)
            x = resnet.forward(x, timeEmbedding: timeEmbedding, tape: tape)
        }
        return x
    }

    private func layersBackward(_ outputGradient: Tensor, tape: ActivationTape,
                                gradients: ParameterGradients) -> (input: Tensor, timeEmbedding: Tensor?, context: Tensor?) {
        var gradient = outputGradient
        var timeGradient: Tensor?
        var contextGradient: Tensor?
        for (attention, resnet) in zip(attentions, resnets.dropFirst()).reversed() {
            let resnetGradients = resnet.backward(gradient, tape: tape, gradients: gradients)
            timeGradient = timeGradient.adding(resnetGradients.timeEmbedding)
            let attentionGradients = attention.backward(resnetGradients.input, tape: tape, gradients: gradients)
            contextGradient = contextGradient.adding(attentionGradients.context)
            gradient = attentionGradients.input
        }
        let first = resnets[0].backward(gradient, tape: tape, gradients: gradients)
        return (first.input, timeGradient.adding(first.timeEmbedding), contextGradient)
    }
}
