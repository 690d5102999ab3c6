import LetheTensor

/// diffusers' `AutoencoderKL`: encodes images in [−1, 1] to a latent distribution and decodes latents to images.
/// Latents here are unscaled; the pipeline multiplies by `scalingFactor` (after subtracting `shiftFactor`, if any)
/// before the UNet, and undoes it before decoding.
public struct AutoencoderKL: Sendable {
    public let configuration: AutoencoderKLConfiguration
    public let encoder: VAEEncoder
    public let quantConv: Conv2D?
    public let postQuantConv: Conv2D?
    public let decoder: VAEDecoder
    /// The number of float32 weights (held by the store's arena, or mapped from the file when loaded `.mapped`).
    public let parameterCount: Int

    /// Builds the model from a config, taking every weight from `store` (the caller runs `store.finish()`;
    /// `load(from:)` does).
    public init(configuration: AutoencoderKLConfiguration, weights store: WeightStore, source: String = "config.json") throws {
        try configuration.validate(source: source)
        let latent = configuration.latentChannels
        self.configuration = configuration
        encoder = try VAEEncoder(store, "encoder", configuration)
        decoder = try VAEDecoder(store, "decoder", configuration)
        quantConv = configuration.useQuantConv
            ? try Conv2D(store, "quant_conv", inChannels: 2 * latent, outChannels: 2 * latent, kernel: 1) : nil
        postQuantConv = configuration.usePostQuantConv
            ? try Conv2D(store, "post_quant_conv", inChannels: latent, outChannels: latent, kernel: 1) : nil
        parameterCount = store.parameterCount
    }

    /// scaling_factor: latents for the UNet are scalingFactor · (z − shiftFactor).
    public var scalingFactor: Float { Float(configuration.scalingFactor) }

    /// shift_factor (nil, i.e. 0, for Stable Diffusion 1.x/2.x).
    public var shiftFactor: Float? { configuration.shiftFactor.map(Float.init) }

    /// The latent shape [B, latent_channels, h, w] the encoder makes of `image`; throws for an image it cannot take.
    public func latentShape(ofImage image: Tensor) throws(VAEInputError) -> [Int] {
        guard image.rank == 4, image.shape[1] == configuration.inChannels, image.shape[0] > 0 else {
            throw .imageShape(found: image.shape, inChannels: configuration.inChannels)
        }
        // Each Downsample2D pads one row/column and runs a 3×3 stride-2 convolution: it needs 2 pixels.
        var sizes = [image.shape[2], image.shape[3]]
        for _ in 1..<configuration.blockOutChannels.count {
            guard sizes.allSatisfy({ $0 >= 2 }) else { throw .imageTooSmall(found: image.shape, minimum: minimumImageSize) }
            sizes = sizes.map { ($0 - 2) / 2 + 1 }
        }
        guard sizes.allSatisfy({ $0 >= 1 }) else { throw .imageTooSmall(found: image.shape, minimum: minimumImageSize) }
        return [image.shape[0], configuration.latentChannels] + sizes
    }

    /// Checks latents for the decoder.
    func checkLatents(_ latents: Tensor) throws(VAEInputError) {
        guard latents.rank == 4, latents.shape[1] == configuration.latentChannels, latents.count > 0 else {
            throw .latentShape(found: latents.shape, latentChannels: configuration.latentChannels)
        }
    }

    /// The smallest height and width the encoder accepts: 2^(n−1) for n blocks (≥ 1), the scale factor.
    private var minimumImageSize: Int { configuration.scaleFactor }
}

extension AutoencoderKL {
    /// The latent distribution of `image` [B, in_channels, H, W] (values in [−1, 1]); each of the n = block count − 1
    /// downsamplings halves the size, rounding down (H/8 × W/8 for Stable Diffusion). With a recording tape, saves
    /// what `encodeBackward(_:tape:gradients:)` needs (the moments last). Throws, saving nothing, for an image the
    /// encoder cannot take.
    public func encode(_ image: Tensor, tape: ActivationTape? = nil) throws(VAEInputError) -> VAELatentDistribution {
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

    /// A sample of the latent distribution with the given standard-normal `noise` (of the latent shape): mean +
    /// std · noise; saves the noise after what `encode(_:tape:)` saves. Throws, saving nothing, for an image or noise
    /// of the wrong shape.
    public func encode(_ image: Tensor, noise: Tensor, tape: ActivationTape? = nil) throws(VAEInputError) -> Tensor {
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

    /// latents [B, latent_channels, h, w] (unscaled) → image [B, out_channels, h·2ⁿ, w·2ⁿ], values about [−1, 1];
    /// with a recording tape, saves what `decodeBackward(_:tape:gradients:)` needs.
    public func decode(_ latents: Tensor, tape: ActivationTape? = nil) throws(VAEInputError) -> Tensor {
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
