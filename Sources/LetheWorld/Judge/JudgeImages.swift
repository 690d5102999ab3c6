import LetheIO
import LetheTensor

/// World pictures as judge batches, rendered on demand (nothing on disk): sample `index` of the dataset, drawn at
/// the judge's size and, for training, augmented with the sample's own stream. Any process can render any sample,
/// so data-parallel ranks each render just their share of a batch.
public struct JudgeImages: Sendable {
    public let dataset: WorldDataset
    public let renderer: WorldRenderer
    /// nil: the clean renders (evaluation).
    public let augmentation: JudgeAugmentation?

    /// `supersampling`: the renderer's samples per pixel side (4, as `lethe world data` draws, by default).
    public init(dataset: WorldDataset, size: Int, augmentation: JudgeAugmentation? = nil, supersampling: Int = 4) {
        self.dataset = dataset
        renderer = WorldRenderer(size: size, supersampling: supersampling)
        self.augmentation = augmentation
    }

    /// The samples `indices` and their pictures [B, 3, S, S] in [−1, 1].
    public func batch(_ indices: [Int]) throws -> (images: Tensor, samples: [WorldSample]) {
        let batch = try WorldImageBatch(dataset: dataset, indices: indices, renderer: renderer) { image, sample in
            try augmentation.map { augmentation in
                try augmentation.apply(to: image, stream: RandomStream(
                    seed: dataset.seed, purpose: "world.judge.\(dataset.split.rawValue).augment", id: UInt64(sample.index)))
            } ?? image.tensor(normalization: WorldJudge.pixelNormalization)
        }
        return (batch.images, batch.samples)
    }
}
