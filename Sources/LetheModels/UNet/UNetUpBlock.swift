import LetheTensor

/// diffusers' `CrossAttnUpBlock2D` / `UpBlock2D`: for each resnet, the last saved down-path tensor is
/// concatenated on the channels, then resnet (and Transformer2DModel); then an Upsample2D except in the last block.
public struct UNetUpBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    /// Empty for an UpBlock2D.
    public let attentions: [Transformer2DModel]
    public let upsampler: Upsample2D?

    init(_ store: WeightStore, _ prefix: String, _ plan: UNetArchitecture.UpBlock, timeEmbeddingChannels: Int,
         groups: Int, epsilon: Float, useLinearProjection: Bool) throws {
        resnets = try plan.resnetInChannels.enumerated().map {
            try ResnetBlock2D(store, "\(prefix).resnets.\($0.offset)", inChannels: $0.element, outChannels: plan.outChannels,
                              timeEmbeddingChannels: timeEmbeddingChannels, groups: groups, epsilon: epsilon)
        }
        attentions = plan.hasCrossAttention ? try (0..<plan.resnetInChannels.count).map {
            try Transformer2DModel(store, "\(prefix).attentions.\($0)", channels: plan.outChannels, heads: plan.heads,
                                   layers: plan.transformerLayers, crossAttentionDimension: plan.crossAttentionDimension,
                                   groups: groups, useLinearProjection: useLinearProjection)
        } : []
        upsampler = plan.addsUpsample ? try Upsample2D(store, "\(prefix).upsamplers.0", channels: plan.outChannels) : nil
    }

    public var attentionLayers: [Attention] { attentions.flatMap(\.attentionLayers) }
}

extension UNetUpBlock {
    /// The forward pass. `skips` holds this block's saved tensors in down-path order (one per resnet; the last is
    /// used first); `upsampleSize` is the spatial size of the next block's first skip connection. With block
    /// checkpointing the tape keeps only the inputs.
    public func forward(_ input: Tensor, skips: [Tensor], timeEmbedding: Tensor, context: Tensor,
                        upsampleSize: (height: Int, width: Int)?, tape: ActivationTape? = nil) -> Tensor {
        let inputs: Inputs = (input, skips, timeEmbedding, context, upsampleSize)
        return ActivationTape.checkpointed(inputs, on: tape) { layersForward($0, tape: $1) }
    }

    /// Gradients with respect to the input, each skip tensor (in the order of `skips`), the time embedding and the
    /// context (nil without attention). The gradient of each concatenation splits into the up path and its skip.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients)
        -> (input: Tensor, skips: [Tensor], timeEmbedding: Tensor?, context: Tensor?) {
        tape.backwardThroughCheckpoint(recomputing: { layersForward($0, tape: $1) }) {
            layersBackward(outputGradient, tape: $0, gradients: gradients)
        }
    }

    /// What a checkpointed block keeps: the arguments of `forward`.
    private typealias Inputs = (input: Tensor, skips: [Tensor], timeEmbedding: Tensor, context: Tensor,
                                upsampleSize: (height: Int, width: Int)?)

    private func layersForward(_ inputs: Inputs, tape: ActivationTape?) -> Tensor {
        let (skips, timeEmbedding, context) = (inputs.skips, inputs.timeEmbedding, inputs.context)
        precondition(skips.count == resnets.count, "an up block with \(resnets.count) resnets needs as many skip tensors")
        var x = inputs.input
        for (index, resnet) in resnets.enumerated() {
            // The up path's channels: where backward splits the concatenation's gradient.
            tape?.save(x.shape[1])
            let joined = Tensor.concatenate([x, skips[skips.count - 1 - index]], axis: 1)
            x = resnet.forward(joined, timeEmbedding: timeEmbedding, tape: tape)
            if !attentions.isEmpty { x = attentions[index].forward(x, context: context, tape: tape) }
        }
        if let upsampler { x = upsampler.forward(x, size: inputs.upsampleSize, tape: tape) }
        return x
    }

    private func layersBackward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients)
        -> (input: Tensor, skips: [Tensor], timeEmbedding: Tensor?, context: Tensor?) {
        var gradient = outputGradient
        if let upsampler { gradient = upsampler.backward(gradient, tape: tape, gradients: gradients) }
        var skipGradients: [Tensor] = []
        var timeGradient: Tensor?
        var contextGradient: Tensor?
        for index in resnets.indices.reversed() {
            if !attentions.isEmpty {
                let attention = attentions[index].backward(gradient, tape: tape, gradients: gradients)
                gradient = attention.input
                contextGradient = contextGradient.adding(attention.context)
            }
            let resnet = resnets[index].backward(gradient, tape: tape, gradients: gradients)
            timeGradient = timeGradient.adding(resnet.timeEmbedding)
            let upChannels: Int = tape.restore()
            let joined = resnet.input
            // Resnet `index` took skip `count − 1 − index`: walking backwards meets the skips in their own order.
            skipGradients.append(joined.narrowed(axis: 1, start: upChannels, length: joined.shape[1] - upChannels))
            gradient = joined.narrowed(axis: 1, start: 0, length: upChannels).contiguous()
        }
        return (gradient, skipGradients, timeGradient, contextGradient)
    }
}
