import LetheTensor

extension Transformer2DModel {
    /// input [B, C, H, W], context [B, M, crossAttentionDimension] → [B, C, H, W], saving what backward needs.
    public func forward(_ input: Tensor, context: Tensor, tape: ActivationTape?) -> Tensor {
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
        let (height, width) = (outputGradient.shape[2], outputGradient.shape[3])
        var gradient = outputGradient
        if let projectOutConvolution { gradient = projectOutConvolution.inputGradient(gradient, tape: tape, gradients: gradients) }
        gradient = Self.tokens(fromImage: gradient)
        if let projectOutLinear { gradient = projectOutLinear.inputGradient(gradient, tape: tape, gradients: gradients) }
        var contextGradient: Tensor?
        for block in transformerBlocks.reversed() {
            let blockGradient = block.backward(gradient, tape: tape, gradients: gradients)
            gradient = blockGradient.hiddenStates
            if let contextGradient {
                contextGradient.addInPlace(blockGradient.context)
            } else {
                contextGradient = blockGradient.context
            }
        }
        if let projectInLinear { gradient = projectInLinear.inputGradient(gradient, tape: tape, gradients: gradients) }
        gradient = Self.image(fromTokens: gradient, height: height, width: width)
        if let projectInConvolution { gradient = projectInConvolution.inputGradient(gradient, tape: tape, gradients: gradients) }
        let input = norm.backward(gradient, tape: tape, gradients: gradients)
        input.addInPlace(outputGradient)
        guard let contextGradient else { preconditionFailure("Transformer2DModel has no transformer blocks") }
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
