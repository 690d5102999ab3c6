import LetheModels
import LetheTensor

extension StableDiffusionPipeline {
    /// A lower estimate of the bytes one `generate` call holds beyond the weights, from its sizes alone (nil when
    /// the count does not fit an Int): per image, the UNet's widest live activations at latent resolution (about
    /// 16 buffers of the first block's channels: hidden states, skip connections, attention and the feed-forward's
    /// 8× inner width, for each half of a guided batch), the VAE decoder's last block at full resolution (three
    /// buffers of its channels) and the decoded image twice (the tensor and its 8-bit copy rounded up).
    public func generationMemory(images: Int, height: Int, width: Int, guided: Bool) -> Int? {
        let factor = vaeScaleFactor
        let latentPixels = ResourceBounds.product([height / factor, width / factor])
        let pixels = ResourceBounds.product([height, width])
        guard let latentPixels, let pixels else { return nil }
        let unetChannels = unet.configuration.blockOutChannels.first ?? 1
        let vaeChannels = vae.configuration.blockOutChannels.first ?? 1
        let perImage = ResourceBounds.sum([
            ResourceBounds.product([guided ? 2 : 1, latentPixels, unetChannels, 16, 4]),
            ResourceBounds.product([pixels, vaeChannels, 3, 4]),
            ResourceBounds.product([pixels, 3, 2, 4]),
        ])
        return perImage.flatMap { ResourceBounds.product([images, $0]) }
    }
}
