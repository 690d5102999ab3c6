import LetheTensor

/// diffusers' `Transformer2DModel` on continuous input, as the UNet's attention blocks use it: group norm, proj_in
/// (1×1 convolution, or linear with `use_linear_projection`), transformer blocks over the H·W positions, proj_out,
/// plus the input.
public struct Transformer2DModel: Sendable {
    /// The diffusers module path, e.g. `down_blocks.0.attentions.0`.
    public let name: String
    public let norm: GroupNorm
    public let projectInConvolution: Conv2D?
    public let projectInLinear: Linear?
    public let transformerBlocks: [BasicTransformerBlock]
    public let projectOutConvolution: Conv2D?
    public let projectOutLinear: Linear?

    /// Loads `PREFIX.{norm, proj_in, transformer_blocks.N, proj_out}` for `channels` input channels split into
    /// `heads` heads of channels/heads (diffusers' `out_channels // num_attention_heads`).
    public init(_ store: WeightStore, _ prefix: String, channels: Int, heads: Int, layers: Int,
                crossAttentionDimension: Int, groups: Int, useLinearProjection: Bool,
                activation: FeedForward.Activation = .geglu) throws {
        let headDimension = channels / heads
        let inner = heads * headDimension
        name = prefix
        norm = try GroupNorm(store, "\(prefix).norm", groups: groups, channels: channels, epsilon: 1e-6)
        if useLinearProjection {
            projectInLinear = try Linear(store, "\(prefix).proj_in", inFeatures: channels, outFeatures: inner)
            projectInConvolution = nil
        } else {
            projectInConvolution = try Conv2D(store, "\(prefix).proj_in", inChannels: channels, outChannels: inner, kernel: 1)
            projectInLinear = nil
        }
        transformerBlocks = try (0..<layers).map {
            try BasicTransformerBlock(store, "\(prefix).transformer_blocks.\($0)", width: inner, heads: heads,
                                      headDimension: headDimension, crossAttentionDimension: crossAttentionDimension,
                                      activation: activation)
        }
        if useLinearProjection {
            projectOutLinear = try Linear(store, "\(prefix).proj_out", inFeatures: inner, outFeatures: channels)
            projectOutConvolution = nil
        } else {
            projectOutConvolution = try Conv2D(store, "\(prefix).proj_out", inChannels: inner, outChannels: channels, kernel: 1)
            projectOutLinear = nil
        }
    }

    public var attentionLayers: [Attention] { transformerBlocks.flatMap(\.attentionLayers) }
}

extension Transformer2DModel {
    /// input [B, C, H, W], context [B, M, crossAttentionDimension] → [B, C, H, W], saving what backward needs.
    public func forward(_ input: Tensor, context: Tensor, tape: ActivationTape? = nil) -> Tensor {
        let (height, width) = (input.shape[2], input.shape[3])
        var x = norm.forward(input, tape: tape)
        if let projectInConvolution { x = projectInConvolution.forward(x, tape: tape) }
        x = Self.tokens(fromImage: x)
        if let projectInLinear { x = projectInLinear.forward(x, tape: tape) }
        for block in transformerBlocks { x = block.forward(x, context: context, tape: tape) }
        if let projectOutLinear { x = projectOutLinear.forward(x, tape: tape) }
        x = Self.image(fromTokens: x, height: height, width: width)
        if let projectOutConvolution { x = projectOutConvolution.forward(x, tape: tape) }
        x.addInPlace(input)
        return x
    }

    /// Gradients with respect to the input and the context (summed over the transformer blocks).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (input: Tensor, context: Tensor) {
        let result = backward(outputGradient, tape: tape, gradients: gradients, needsInputGradient: true)
        guard let input = result.input else { preconditionFailure("Transformer2DModel: no input gradient although asked for one") }
        return (input, result.context)
    }

    /// The backward pass above; without `needsInputGradient`, stops where nothing before trains: the input gradient
    /// is then nil, and what the skipped layers saved stays on the tape for the caller to discard.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         needsInputGradient: Bool) -> (input: Tensor?, context: Tensor) {
        let (height, width) = (outputGradient.shape[2], outputGradient.shape[3])
        var gradient = outputGradient
        if let projectOutConvolution { gradient = projectOutConvolution.inputGradient(gradient, tape: tape, gradients: gradients) }
        gradient = Self.tokens(fromImage: gradient)
        if let projectOutLinear { gradient = projectOutLinear.inputGradient(gradient, tape: tape, gradients: gradients) }
        var contextGradient: Tensor?
        let inputTrains = ["norm", "proj_in"].contains { gradients.trainsAny(under: "\(name).\($0)") }
        for (index, block) in transformerBlocks.enumerated().reversed() {
            let blockGradient = block.backward(gradient, tape: tape, gradients: gradients,
                                               needsInputGradient: needsInputGradient || inputTrains || index > 0)
            if let contextGradient {
                contextGradient.addInPlace(blockGradient.context)
            } else {
                contextGradient = blockGradient.context
            }
            // Only the first block, asked for no input gradient, stops; the guard below then returns.
            guard let hiddenStates = blockGradient.hiddenStates else { break }
            gradient = hiddenStates
        }
        guard let contextGradient else { preconditionFailure("Transformer2DModel has no transformer blocks") }
        guard needsInputGradient || inputTrains else { return (nil, contextGradient) }
        if let projectInLinear { gradient = projectInLinear.inputGradient(gradient, tape: tape, gradients: gradients) }
        gradient = Self.image(fromTokens: gradient, height: height, width: width)
        if let projectInConvolution { gradient = projectInConvolution.inputGradient(gradient, tape: tape, gradients: gradients) }
        let input = norm.backward(gradient, tape: tape, gradients: gradients)
        input.addInPlace(outputGradient)
        return (input, contextGradient)
    }

    /// [B, C, H, W] → [B, H·W, C] (dense): one token per position.
    static func tokens(fromImage image: Tensor) -> Tensor {
        let (batch, channels, height, width) = (image.shape[0], image.shape[1], image.shape[2], image.shape[3])
        return image.permuted([0, 2, 3, 1]).reshaped([batch, height * width, channels])
    }

    /// [B, H·W, C] → [B, C, H, W] (dense).
    static func image(fromTokens tokens: Tensor, height: Int, width: Int) -> Tensor {
        let (batch, channels) = (tokens.shape[0], tokens.shape[2])
        return tokens.reshaped([batch, height, width, channels]).permuted([0, 3, 1, 2]).contiguous()
    }
}
