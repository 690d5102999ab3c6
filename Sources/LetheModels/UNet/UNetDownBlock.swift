import LetheTensor

/// diffusers' `CrossAttnDownBlock2D` (a Transformer2DModel after each resnet) or `DownBlock2D` (resnets only),
/// then a stride-2 Downsample2D except in the last block.
public struct UNetDownBlock: Sendable {
    /// The diffusers module path, e.g. `down_blocks.0`.
    public let name: String
    public let resnets: [ResnetBlock2D]
    /// Empty for a DownBlock2D.
    public let attentions: [Transformer2DModel]
    public let downsampler: Downsample2D?

    init(_ store: WeightStore, _ prefix: String, _ plan: UNetArchitecture.DownBlock, timeEmbeddingChannels: Int,
         groups: Int, epsilon: Float, downsamplePadding: Int, useLinearProjection: Bool) throws {
        name = prefix
        resnets = try (0..<plan.layers).map {
            try ResnetBlock2D(store, "\(prefix).resnets.\($0)", inChannels: $0 == 0 ? plan.inChannels : plan.outChannels,
                              outChannels: plan.outChannels, timeEmbeddingChannels: timeEmbeddingChannels,
                              groups: groups, epsilon: epsilon)
        }
        attentions = plan.hasCrossAttention ? try (0..<plan.layers).map {
            try Transformer2DModel(store, "\(prefix).attentions.\($0)", channels: plan.outChannels, heads: plan.heads,
                                   layers: plan.transformerLayers, crossAttentionDimension: plan.crossAttentionDimension,
                                   groups: groups, useLinearProjection: useLinearProjection)
        } : []
        downsampler = plan.addsDownsample
            ? try Downsample2D(store, "\(prefix).downsamplers.0", channels: plan.outChannels, padding: downsamplePadding)
            : nil
    }

    public var attentionLayers: [Attention] { attentions.flatMap(\.attentionLayers) }
}

extension UNetDownBlock {
    /// The forward pass: the block's output and the tensors it saves for the up path (each layer's output, then the
    /// downsampled one; the last of them is the output). With block checkpointing the tape keeps only the inputs.
    public func forward(_ input: Tensor, timeEmbedding: Tensor, context: Tensor, tape: ActivationTape? = nil) -> (Tensor, [Tensor]) {
        let inputs: Inputs = (input, timeEmbedding, context)
        return ActivationTape.checkpointed(inputs, on: tape) { layersForward($0, tape: $1) }
    }

    /// Gradients with respect to the input, the time embedding and the context (nil without attention), from
    /// dL/d(output) through the next block and `skipGradients`, dL/d(each saved tensor) through the up path.
    ///
    /// Without `needsInputGradient` (nothing before the block trains and no one wants the UNet's sample gradient),
    /// the pass stops after the last layer (in backward order) that trains or, with `wantsContextGradient`, attends
    /// to the text; the input gradient is then nil. PyTorch's autograd skips the same layers: none of them leads to
    /// a trained parameter.
    public func backward(_ outputGradient: Tensor, skipGradients: [Tensor], tape: ActivationTape,
                         gradients: ParameterGradients, wantsContextGradient: Bool = true,
                         needsInputGradient: Bool = true) -> (input: Tensor?, timeEmbedding: Tensor?, context: Tensor?) {
        tape.backwardThroughCheckpoint(recomputing: { layersForward($0, tape: $1) }) {
            layersBackward(outputGradient, skipGradients: skipGradients, tape: $0, gradients: gradients,
                           needs: GradientNeeds(block: self, gradients: gradients, wantsContext: wantsContextGradient,
                                                input: needsInputGradient))
        }
    }

    /// Whether a backward pass has to enter this block: a parameter in it trains, or it attends to the text and the
    /// context gradient is wanted.
    func needsGradient(_ gradients: ParameterGradients, wantsContext: Bool) -> Bool {
        (wantsContext && !attentions.isEmpty) || gradients.trainsAny(under: name)
    }

    /// Which of the block's layers need a gradient, in forward order (resnet 0, attention 0, resnet 1, …): layer k
    /// runs backward if it needs one itself or anything before it does, and wants its input gradient only then.
    private struct GradientNeeds {
        /// Per layer in forward order: a parameter of it trains, or (an attention) the context gradient is wanted.
        let layers: [Bool]
        /// Whether the block's input gradient is wanted.
        let input: Bool

        init(block: UNetDownBlock, gradients: ParameterGradients, wantsContext: Bool, input: Bool) {
            layers = block.resnets.indices.flatMap { index in
                [gradients.trainsAny(under: block.resnets[index].name),
                 block.attentions.indices.contains(index)
                     && (wantsContext || gradients.trainsAny(under: block.attentions[index].name))]
            }
            self.input = input
        }

        /// Whether a layer before the `k`th (or the block's input) needs a gradient.
        func before(_ k: Int) -> Bool { input || layers[..<k].contains(true) }
        /// Whether the `k`th layer's backward pass has to run.
        func runs(_ k: Int) -> Bool { layers[k] || before(k) }
    }

    /// Saved first by a block's forward pass, so that a backward pass that stops early can discard the rest.
    private struct BlockStart {}

    /// Tensors the block saves for the up path.
    public var savedTensorCount: Int { resnets.count + (downsampler == nil ? 0 : 1) }

    /// What a checkpointed block keeps: its input, the time embedding and the context.
    private typealias Inputs = (input: Tensor, timeEmbedding: Tensor, context: Tensor)

    private func layersForward(_ inputs: Inputs, tape: ActivationTape?) -> (Tensor, [Tensor]) {
        let (timeEmbedding, context) = (inputs.timeEmbedding, inputs.context)
        tape?.save(BlockStart())
        var x = inputs.input
        var saved: [Tensor] = []
        for (index, resnet) in resnets.enumerated() {
            x = resnet.forward(x, timeEmbedding: timeEmbedding, tape: tape)
            if !attentions.isEmpty { x = attentions[index].forward(x, context: context, tape: tape) }
            saved.append(x)
        }
        if let downsampler {
            x = downsampler.forward(x, tape: tape)
            saved.append(x)
        }
        return (x, saved)
    }

    private func layersBackward(_ outputGradient: Tensor, skipGradients: [Tensor], tape: ActivationTape,
                                gradients: ParameterGradients,
                                needs: GradientNeeds) -> (input: Tensor?, timeEmbedding: Tensor?, context: Tensor?) {
        precondition(skipGradients.count == savedTensorCount,
                     "a down block that saves \(savedTensorCount) tensors got \(skipGradients.count) skip gradients")
        // The output is also the last saved tensor: both paths' gradients meet there.
        var gradient = outputGradient + skipGradients[skipGradients.count - 1]
        if let downsampler {
            gradient = downsampler.backward(gradient, tape: tape, gradients: gradients) + skipGradients[resnets.count - 1]
        }
        var timeGradient: Tensor?
        var contextGradient: Tensor?
        // Nothing before this point needs a gradient: drop what the skipped layers saved.
        func stop() -> (input: Tensor?, timeEmbedding: Tensor?, context: Tensor?) {
            tape.discard(through: BlockStart.self)
            return (nil, timeGradient, contextGradient)
        }
        for index in resnets.indices.reversed() {
            if index < resnets.count - 1 { gradient = gradient + skipGradients[index] }
            if !attentions.isEmpty {
                guard needs.runs(2 * index + 1) else { return stop() }
                let attention = attentions[index].backward(gradient, tape: tape, gradients: gradients,
                                                           needsInputGradient: needs.before(2 * index + 1))
                contextGradient = contextGradient.adding(attention.context)
                guard let input = attention.input else { return stop() }
                gradient = input
            }
            guard needs.runs(2 * index) else { return stop() }
            let resnet = resnets[index].backward(gradient, tape: tape, gradients: gradients)
            gradient = resnet.input
            timeGradient = timeGradient.adding(resnet.timeEmbedding)
        }
        _ = tape.restore(BlockStart.self)
        return (gradient, timeGradient, contextGradient)
    }
}
