import LetheDiffusion
import LetheModels
import LetheTensor

/// What a training run holds in memory beyond the weights, estimated from its sizes before anything is allocated
/// and checked against what the machine has (errors name the flags to lower).
public enum TrainingMemory {
    /// A lower estimate of the bytes one training sample of `side`×`side` pixels holds during a step (nil: beyond
    /// an Int): the pixels twice (each image and the batch), the VAE encoder's first block at full resolution
    /// (three buffers of its channels) and the UNet's recorded activations at latent resolution (about 40 buffers
    /// of the first block's channels, what the backward pass keeps of the first block and its skip connections).
    public static func perSample(side: Int, unet: UNet2DConditionConfiguration, vae: AutoencoderKLConfiguration) -> Int? {
        let factor = vae.scaleFactor
        guard let pixels = ResourceBounds.product([side, side]),
              let latentPixels = ResourceBounds.product([side / factor, side / factor]) else { return nil }
        return ResourceBounds.sum([
            ResourceBounds.product([pixels, 3, 2, 4]),
            ResourceBounds.product([pixels, vae.blockOutChannels.first ?? 1, 3, 4]),
            ResourceBounds.product([latentPixels, unet.blockOutChannels.first ?? 1, 40, 4]),
        ])
    }

    /// Checks that this rank's share of a global batch of `batchSize` (split over `ranks`) fits in memory.
    public static func checkBatch(batchSize: Int, ranks: Int, side: Int, unet: UNet2DConditionConfiguration,
                                  vae: AutoencoderKLConfiguration, available: Int? = ResourceBounds.availableMemory()) throws {
        let local = (batchSize + max(ranks, 1) - 1) / max(ranks, 1)
        let bytes = perSample(side: side, unet: unet, vae: vae).flatMap { ResourceBounds.product([local, $0]) }
        let share = ranks > 1 ? " (\(local) on each of \(ranks) ranks)" : ""
        try MemoryEstimate(
            request: "A batch of \(batchSize) sample\(batchSize == 1 ? "" : "s") of \(side)×\(side)\(share) (\(Setting.batchSize), \(Setting.resolution))",
            bytes: bytes, advice: "lower \(Setting.batchSize) or \(Setting.resolution), or run on more ranks").check(available: available)
    }

    /// Checks that `count` generated `side`×`side` images (kept on every rank, with the buffer they are gathered
    /// in) and the generation of one of them fit in memory.
    public static func checkGeneratedImages(count: Int, side: Int, pipeline: StableDiffusionPipeline,
                                            available: Int? = ResourceBounds.availableMemory()) throws {
        let kept = ResourceBounds.product([count, side, side, 3, 2])
        let bytes = ResourceBounds.sum([kept, pipeline.generationMemory(images: 1, height: side, width: side, guided: true)])
        try MemoryEstimate(
            request: "Generating and keeping \(count) image\(count == 1 ? "" : "s") of \(side)×\(side) (\(Setting.generatedImages), \(Setting.resolution))",
            bytes: bytes, advice: "lower \(Setting.generatedImages) or \(Setting.resolution)").check(available: available)
    }

    /// The note a training run gives when its batch is larger than its image set: valid (each image comes back with
    /// other crops, flips, noise and timesteps, as a data loader's repeats do), but worth stating; nil otherwise.
    public static func batchNotice(batchSize: Int, imageCount: Int, source: Setting) -> String? {
        guard imageCount > 0, batchSize > imageCount else { return nil }
        return "note: \(Setting.batchSize) \(batchSize) is larger than the \(imageCount) image\(imageCount == 1 ? "" : "s") of "
            + "\(source): each step uses images more than once (with other crops, flips, noise and timesteps)"
    }
}
