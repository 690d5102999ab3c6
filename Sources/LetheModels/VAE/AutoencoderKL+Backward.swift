import LetheTensor

extension AutoencoderKL {
    /// The forward pass of `encode(_:)`; with a recording tape, saves what `encodeBackward(_:tape:gradients:)` needs
    /// (the moments last). Throws, saving nothing, for an image the encoder cannot take.
    public func encode(_ image: Tensor, tape: ActivationTape?) throws(VAEInputError) -> VAELatentDistribution {
        _ = try latentShape(ofImage: image)
        let encoded = encoder.forward(image, tape: tape)
        let moments = quantConv.map { $0.forward(encoded, tape: tape) } ?? encoded
        tape?.save(moments)
        return VAELatentDistribution(moments: moments)
    }

    /// The backward pass of `encode(_:tape:)`: dL/d(image) from the gradients of the distribution's mean,
    /// log-variance and standard deviation; accumulates the gradients of the parameters that train.
    public func encodeBackward(_ gradient: VAELatentDistribution.Gradient, tape: ActivationTape,
                               gradients: ParameterGradients) -> Tensor {
        let moments: Tensor = tape.restore()
        var momentsGradient = VAELatentDistribution.momentsGradient(gradient, moments: moments)
        if let quantConv { momentsGradient = quantConv.inputGradient(momentsGradient, tape: tape, gradients: gradients) }
        return encoder.backward(momentsGradient, tape: tape, gradients: gradients)
    }

    /// The forward pass of `encode(_:noise:)`: the sample mean + std · noise; saves the noise after what
    /// `encode(_:tape:)` saves. Throws, saving nothing, for an image or noise of the wrong shape.
    public func encode(_ image: Tensor, noise: Tensor, tape: ActivationTape?) throws(VAEInputError) -> Tensor {
        let expected = try latentShape(ofImage: image)
        guard noise.shape == expected else { throw .noiseShape(found: noise.shape, expected: expected) }
        let distribution = try encode(image, tape: tape)
        tape?.save(noise)
        return distribution.sample(noise: noise)
    }

    /// The backward pass of `encode(_:noise:tape:)`: dL/d(image) from dL/d(sample), through the mean and, by the
    /// reparameterisation, the standard deviation.
    public func encodeBackward(sampleGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let noise: Tensor = tape.restore()
        return encodeBackward(VAELatentDistribution.sampleBackward(sampleGradient, noise: noise), tape: tape,
                              gradients: gradients)
    }

    /// The forward pass of `decode(_:)`, saving what `decodeBackward(_:tape:gradients:)` needs.
    public func decode(_ latents: Tensor, tape: ActivationTape?) throws(VAEInputError) -> Tensor {
        try checkLatents(latents)
        return decoder.forward(postQuantConv.map { $0.forward(latents, tape: tape) } ?? latents, tape: tape)
    }

    /// The backward pass of `decode(_:tape:)`: dL/d(latents) from dL/d(image); accumulates the gradients of the
    /// parameters that train.
    public func decodeBackward(_ imageGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let gradient = decoder.backward(imageGradient, tape: tape, gradients: gradients)
        return postQuantConv.map { $0.inputGradient(gradient, tape: tape, gradients: gradients) } ?? gradient
    }
}
