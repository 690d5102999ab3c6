import LetheTensor

/// diffusers' `UNet2DConditionModel` for Stable Diffusion 1.x/2.x: predicts noise (or v) for latents `sample`
/// at `timesteps`, conditioned on the text encoder's hidden states. Layers and weights carry diffusers' names.
public struct UNet2DConditionModel: Sendable {
    public let configuration: UNet2DConditionConfiguration
    public let timeEmbedding: TimestepEmbedding
    public let convIn: Conv2D
    public let downBlocks: [UNetDownBlock]
    public let midBlock: UNetMidBlock
    public let upBlocks: [UNetUpBlock]
    public let convNormOut: GroupNorm
    public let convOut: Conv2D
    /// The number of float32 weights (their memory: the store's arena, or the files' mappings when loaded
    /// `.mapped`; the store, not the model, says which).
    public let parameterCount: Int

    /// Builds the model from a validated config, taking every weight from `store` (the caller runs
    /// `store.finish()` to reject unused checkpoint tensors; `load(from:)` does).
    public init(configuration: UNet2DConditionConfiguration, weights store: WeightStore, source: String = "config.json") throws {
        let plan = try UNetArchitecture(configuration, source: source)
        let epsilon = Float(configuration.normEps)
        let groups = plan.groups
        let channels = configuration.blockOutChannels
        self.configuration = configuration
        convIn = try Conv2D(store, "conv_in", inChannels: configuration.inChannels, outChannels: channels[0],
                            kernel: configuration.convInKernel, padding: (configuration.convInKernel - 1) / 2)
        timeEmbedding = try TimestepEmbedding(store, "time_embedding", inputChannels: plan.timestepChannels,
                                              embeddingChannels: plan.timeEmbeddingChannels)
        downBlocks = try plan.downBlocks.enumerated().map {
            try UNetDownBlock(store, "down_blocks.\($0.offset)", $0.element, timeEmbeddingChannels: plan.timeEmbeddingChannels,
                              groups: groups, epsilon: epsilon, downsamplePadding: configuration.downsamplePadding,
                              useLinearProjection: configuration.useLinearProjection)
        }
        midBlock = try UNetMidBlock(store, "mid_block", plan.midBlock, timeEmbeddingChannels: plan.timeEmbeddingChannels,
                                    groups: groups, epsilon: epsilon, outputScaleFactor: Float(configuration.midBlockScaleFactor),
                                    useLinearProjection: configuration.useLinearProjection)
        upBlocks = try plan.upBlocks.enumerated().map {
            try UNetUpBlock(store, "up_blocks.\($0.offset)", $0.element, timeEmbeddingChannels: plan.timeEmbeddingChannels,
                            groups: groups, epsilon: epsilon, useLinearProjection: configuration.useLinearProjection)
        }
        convNormOut = try GroupNorm(store, "conv_norm_out", groups: groups, channels: channels[0], epsilon: epsilon)
        convOut = try Conv2D(store, "conv_out", inChannels: channels[0], outChannels: configuration.outChannels,
                             kernel: configuration.convOutKernel, padding: (configuration.convOutKernel - 1) / 2)
        parameterCount = store.parameterCount
    }

    /// Every attention layer in forward order (down, mid, up blocks; attn1 before attn2), each with its diffusers
    /// name and kind.
    public var attentionLayers: [Attention] {
        downBlocks.flatMap(\.attentionLayers) + midBlock.attentionLayers + upBlocks.flatMap(\.attentionLayers)
    }

    /// Attention layer name → self or cross.
    public var attentionLayerKinds: [String: AttentionKind] {
        Dictionary(uniqueKeysWithValues: attentionLayers.map { ($0.name, $0.kind) })
    }

    /// cross_attention_dim of each down block: the width of the text hidden states (one value for every block in
    /// Stable Diffusion's configs; the forward pass needs them to agree).
    public var crossAttentionDimensions: [Int] {
        configuration.crossAttentionDim.values(count: configuration.downBlockTypes.count)
    }

    /// Checks at load that a text encoder of `hiddenSize` fits this UNet's cross-attention, which would otherwise
    /// fail only at the first UNet call (a text encoder from another model family); the error names `folder`'s
    /// unet/config.json.
    public func checkTextEncoder(hiddenSize: Int, folder: DiffusersModelFolder) throws {
        if let mismatch = crossAttentionDimensions.first(where: { $0 != hiddenSize }) {
            throw ModelLoadingError.invalidConfig(
                path: folder.url.appendingPathComponent("unet/config.json").path, key: "cross_attention_dim",
                reason: "is \(mismatch), but the text encoder's hidden_size is \(hiddenSize)")
        }
    }
}

extension UNet2DConditionModel {
    /// The model output for `sample` [B, in_channels, H, W] at `timesteps` (one value for all samples, or one per
    /// sample; fractional values allowed) with `encoderHiddenStates` [B, tokens, cross_attention_dim]
    /// → [B, out_channels, H, W], saving on `tape` what `backward` needs (nil: the inference path). Any H and W
    /// work: up blocks meet odd-sized skip connections as diffusers does. The attention hooks on the tape see every
    /// hooked layer's probabilities. With `tape.checkpointing == .blocks` each down/mid/up block keeps only its
    /// inputs and is recomputed in the backward pass, where its hooks' `capture` is called once more with the same
    /// probabilities.
    public func forward(sample: Tensor, timesteps: [Float], encoderHiddenStates: Tensor,
                        tape: ActivationTape? = nil) throws(UNetInputError) -> Tensor {
        try checkInputs(sample: sample, timesteps: timesteps, encoderHiddenStates: encoderHiddenStates)
        let batch = sample.shape[0]
        var x = configuration.centerInputSample ? sample * 2 + -1 : sample
        let perSample = timesteps.count == 1 ? Array(repeating: timesteps[0], count: batch) : timesteps
        let projection = TimestepEmbedding.sinusoidal(
            perSample, channels: convIn.outChannels, flipSinToCos: configuration.flipSinToCos,
            downscaleFrequencyShift: configuration.freqShift)
        let embedding = timeEmbedding.forward(projection, tape: tape)
        let context = encoderHiddenStates.contiguous()
        tape?.save(DownPathStart())

        x = convIn.forward(x, tape: tape)
        var skips = [x]
        for block in downBlocks {
            let (output, saved) = block.forward(x, timeEmbedding: embedding, context: context, tape: tape)
            x = output
            skips += saved
        }
        x = midBlock.forward(x, timeEmbedding: embedding, context: context, tape: tape)
        for block in upBlocks {
            let own = Array(skips.suffix(block.resnets.count))
            skips.removeLast(block.resnets.count)
            // diffusers upsamples to the size of the skip connection the next block starts with (2× unless odd).
            let size = skips.last.map { (height: $0.shape[2], width: $0.shape[3]) }
            x = block.forward(x, skips: own, timeEmbedding: embedding, context: context, upsampleSize: size, tape: tape)
        }
        let normalized = convNormOut.forward(x, tape: tape)
        tape?.save(normalized)
        return convOut.forward(normalized.silu(), tape: tape)
    }

    /// Gradients of a loss with respect to `sample` and `encoderHiddenStates` from dL/d(output) (zeros for a loss on
    /// attention probabilities alone, which the hooks on the tape add); accumulates the trained parameters'
    /// gradients into `gradients`. Pops everything `forward` saved on `tape`. The timesteps are not differentiated.
    ///
    /// `inputGradients` says which of the two the caller wants (nil for the others). Without the sample gradient,
    /// the down path stops where nothing before it trains or, with the context gradient, attends to the text: for
    /// attn2-only training that skips conv_in, the first resnet and the first self-attention, as PyTorch's autograd
    /// does for a sample and layers that need no gradient.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         inputGradients: UNetInputGradients = .all) -> (sample: Tensor?, encoderHiddenStates: Tensor?) {
        guard var gradient = convOut.backward(outputGradient, tape: tape, gradients: gradients) else {
            preconditionFailure("conv_out returned no input gradient")
        }
        let normalized: Tensor = tape.restore()
        gradient = convNormOut.backward(gradient.siluBackward(input: normalized), tape: tape, gradients: gradients)

        var timeGradient: Tensor?
        var contextGradient: Tensor?
        // dL/d(every tensor the down path saved), in the order it saved them: the last up block used the first ones.
        var skipGradients: [Tensor] = []
        for block in upBlocks.reversed() {
            let result = block.backward(gradient, tape: tape, gradients: gradients)
            gradient = result.input
            skipGradients += result.skips
            timeGradient = timeGradient.adding(result.timeEmbedding)
            contextGradient = contextGradient.adding(result.context)
        }
        let middle = midBlock.backward(gradient, tape: tape, gradients: gradients)
        gradient = middle.input
        timeGradient = timeGradient.adding(middle.timeEmbedding)
        contextGradient = contextGradient.adding(middle.context)

        // The time embedding's gradient gathers from every resnet: when it trains, the whole down path runs.
        let wantsContext = inputGradients.contains(.encoderHiddenStates)
        let beforeDownPath = inputGradients.contains(.sample) || gradients.trainsAny(under: "time_embedding")
            || gradients.trainsAny(under: "conv_in")
        // Skip 0 is conv_in's output; down block i saved the next savedTensorCount ones. With `beforeDownPath` every
        // block runs whole; without it the loop stops where nothing before needs a gradient.
        var end = skipGradients.count
        for (index, block) in downBlocks.enumerated().reversed() {
            let needsInput = beforeDownPath
                || downBlocks[..<index].contains { $0.needsGradient(gradients, wantsContext: wantsContext) }
            guard needsInput || block.needsGradient(gradients, wantsContext: wantsContext) else { break }
            let start = end - block.savedTensorCount
            let result = block.backward(gradient, skipGradients: Array(skipGradients[start..<end]), tape: tape,
                                        gradients: gradients, wantsContextGradient: wantsContext,
                                        needsInputGradient: needsInput)
            end = start
            timeGradient = timeGradient.adding(result.timeEmbedding)
            contextGradient = contextGradient.adding(result.context)
            guard let input = result.input else { break }
            gradient = input
        }
        var sampleGradient: Tensor?
        if beforeDownPath {
            precondition(end == 1, "the down blocks saved \(skipGradients.count - end) of the \(skipGradients.count - 1) tensors the up blocks used")
            gradient = gradient + skipGradients[0]
            sampleGradient = convIn.backward(gradient, tape: tape, gradients: gradients,
                                             computeInputGradient: inputGradients.contains(.sample))
            if configuration.centerInputSample { sampleGradient = sampleGradient.map { $0 * 2 } }
            _ = tape.restore(DownPathStart.self)
        } else {
            tape.discard(through: DownPathStart.self)
        }

        let batch = outputGradient.shape[0]
        timeEmbedding.backward(timeGradient ?? Tensor(zeros: [batch, timeEmbedding.linear2.weight.shape[0]]),
                               tape: tape, gradients: gradients)
        // The mid block always attends to the text, so the context has a gradient.
        guard let contextGradient else { preconditionFailure("no attention layer returned a context gradient") }
        return (sampleGradient, wantsContext ? contextGradient : nil)
    }

    /// Saved after the time embedding's forward pass, where the down path begins, so that a backward pass that
    /// stops early can discard what the skipped layers saved.
    private struct DownPathStart {}
}

/// The input gradients a UNet backward pass returns.
public struct UNetInputGradients: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// dL/d(sample): the noisy latents.
    public static let sample = UNetInputGradients(rawValue: 1)
    /// dL/d(encoder hidden states): the text encoder's output (textual inversion trains through it).
    public static let encoderHiddenStates = UNetInputGradients(rawValue: 2)
    public static let all: UNetInputGradients = [.sample, .encoderHiddenStates]
}

extension UNet2DConditionModel {
    /// `forward(sample:timesteps:encoderHiddenStates:tape:)` with one timestep for every sample: what it adds is
    /// only wrapping `timestep` as `[timestep]`, for the sampling loop, which denoises the whole batch at one step.
    public func forward(sample: Tensor, timestep: Float, encoderHiddenStates: Tensor,
                        tape: ActivationTape? = nil) throws(UNetInputError) -> Tensor {
        try forward(sample: sample, timesteps: [timestep], encoderHiddenStates: encoderHiddenStates, tape: tape)
    }

    func checkInputs(sample: Tensor, timesteps: [Float], encoderHiddenStates: Tensor) throws(UNetInputError) {
        guard sample.rank == 4, sample.shape[1] == configuration.inChannels, sample.count > 0 else {
            throw .sampleShape(found: sample.shape, inChannels: configuration.inChannels)
        }
        let batch = sample.shape[0]
        guard timesteps.count == 1 || timesteps.count == batch else {
            throw .timestepCount(found: timesteps.count, batch: batch)
        }
        let widths = Set(crossAttentionDimensions)
        guard encoderHiddenStates.rank == 3, encoderHiddenStates.shape[0] == batch, encoderHiddenStates.shape[1] > 0,
              widths.count == 1, widths.first == encoderHiddenStates.shape[2] else {
            throw .encoderHiddenStatesShape(found: encoderHiddenStates.shape, batch: batch,
                                            width: crossAttentionDimensions.first ?? 0)
        }
    }
}
