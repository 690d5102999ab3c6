import LetheIO
import LetheTensor

/// Pictures of the world as a model takes them: samples of a dataset drawn and stacked into [B, 3, H, W] with
/// levels mapped to [−1, 1] as diffusers' training scripts map them (torchvision's ToTensor then Normalize(0.5, 0.5)),
/// or by `pixels` (the judge's augmentation). Any process can draw any sample, so each rank draws its share.
public struct WorldImageBatch {
    public let samples: [WorldSample]
    public let images: Tensor

    public init(dataset: WorldDataset, indices: [Int], renderer: WorldRenderer) {
        self.init(dataset: dataset, indices: indices, renderer: renderer) { image, _ in image.tensor(normalization: .torchvision) }
    }

    public init(dataset: WorldDataset, indices: [Int], renderer: WorldRenderer,
                pixels: (ImageRGB8, WorldSample) throws -> Tensor) rethrows {
        samples = indices.map { dataset.sample(at: $0) }
        let side = renderer.size
        let plane = 3 * side * side
        images = Tensor(zeros: [samples.count, 3, side, side])
        for (item, sample) in samples.enumerated() {
            let picture = try pixels(renderer.draw(sample).image, sample).contiguous()
            precondition(picture.count == plane, "a picture of \(picture.shape) in a batch of \(side)×\(side) pictures")
            (images.pointer + item * plane).update(from: picture.pointer, count: plane)
        }
    }

    public var captions: [String] { samples.map(\.caption) }
}
