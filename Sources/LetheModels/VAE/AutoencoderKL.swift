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
    /// Every weight, in the order the model loaded them.
    public let parameters: TensorStorage
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
        parameters = store.arena
        parameterCount = store.parameterCount
    }

    /// scaling_factor: latents for the UNet are scalingFactor · (z − shiftFactor).
    public var scalingFactor: Float { Float(configuration.scalingFactor) }

    /// shift_factor (nil, i.e. 0, for Stable Diffusion 1.x/2.x).
    public var shiftFactor: Float? { configuration.shiftFactor.map(Float.init) }

    /// The latent distribution of `image` [B, in_channels, H, W] (values in [−1, 1]); each of the n = block count − 1
    /// downsamplings halves the size, rounding down (H/8 × W/8 for Stable Diffusion).
    public func encode(_ image: Tensor) throws(VAEInputError) -> VAELatentDistribution {
        try encode(image, tape: nil)
    }

    /// A sample of the latent distribution with the given standard-normal `noise` (of the latent shape).
    public func encode(_ image: Tensor, noise: Tensor) throws(VAEInputError) -> Tensor {
        try encode(image, noise: noise, tape: nil)
    }

    /// latents [B, latent_channels, h, w] (unscaled) → image [B, out_channels, h·2ⁿ, w·2ⁿ], values about [−1, 1].
    public func decode(_ latents: Tensor) throws(VAEInputError) -> Tensor {
        try decode(latents, tape: nil)
    }

    /// The latent shape [B, latent_channels, h, w] the encoder makes of `image`; throws for an image it cannot take.
    func latentShape(ofImage image: Tensor) throws(VAEInputError) -> [Int] {
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

    /// The smallest height and width the encoder accepts: 2^(n−1) for n blocks (≥ 1).
    private var minimumImageSize: Int { 1 << max(configuration.blockOutChannels.count - 1, 0) }
}
