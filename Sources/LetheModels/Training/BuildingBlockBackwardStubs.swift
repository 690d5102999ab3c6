import LetheTensor

// Signatures of the training forward/backward pairs of the building blocks that the UNet and the VAE share. Each is
// replaced by its implementation in `<Type>+Backward.swift` (and this file deleted).

extension Attention {
    /// The forward pass (context nil: self-attention), saving what backward needs and calling the hooks
    /// registered on this layer's name.
    public func forward(_ hiddenStates: Tensor, context: Tensor?, tape: ActivationTape?) -> Tensor {
        fatalError("Attention.forward(_:context:tape:) not implemented yet")
    }

    /// Gradients with respect to the hidden states and the context (nil for self-attention, whose key/value
    /// gradient is included in `hiddenStates`).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (hiddenStates: Tensor, context: Tensor?) {
        fatalError("Attention.backward not implemented yet")
    }
}

extension Transformer2DModel {
    public func forward(_ input: Tensor, context: Tensor, tape: ActivationTape?) -> Tensor {
        fatalError("Transformer2DModel.forward(_:context:tape:) not implemented yet")
    }

    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (input: Tensor, context: Tensor) {
        fatalError("Transformer2DModel.backward not implemented yet")
    }
}

extension ResnetBlock2D {
    public func forward(_ input: Tensor, timeEmbedding: Tensor?, tape: ActivationTape?) -> Tensor {
        fatalError("ResnetBlock2D.forward(_:timeEmbedding:tape:) not implemented yet")
    }

    /// Gradients with respect to the input and the time embedding (nil when the block has no time_emb_proj).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (input: Tensor, timeEmbedding: Tensor?) {
        fatalError("ResnetBlock2D.backward not implemented yet")
    }
}

extension Downsample2D {
    public func forward(_ input: Tensor, tape: ActivationTape?) -> Tensor {
        fatalError("Downsample2D.forward(_:tape:) not implemented yet")
    }

    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        fatalError("Downsample2D.backward not implemented yet")
    }
}

extension Upsample2D {
    public func forward(_ input: Tensor, size: (height: Int, width: Int)?, tape: ActivationTape?) -> Tensor {
        fatalError("Upsample2D.forward(_:size:tape:) not implemented yet")
    }

    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        fatalError("Upsample2D.backward not implemented yet")
    }
}
