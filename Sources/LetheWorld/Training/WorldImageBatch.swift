import LetheIO
import LetheTensor

/// Pictures of the world as a model takes them: samples of a dataset drawn and stacked into [B, 3, H, W] with
/// levels mapped to [−1, 1] as diffusers' training scripts map them (torchvision's ToTensor then Normalize(0.5, 0.5)).
public struct WorldImageBatch {
    public let samples: [WorldSample]
    public let images: Tensor

    public init(dataset: WorldDataset, indices: [Int], renderer: WorldRenderer) {
        samples = indices.map { dataset.sample(at: $0) }
        let side = renderer.size
        let plane = 3 * side * side
        images = Tensor(zeros: [samples.count, 3, side, side])
        for (item, sample) in samples.enumerated() {
            let picture = renderer.draw(sample).image.tensor(normalization: .torchvision)
            (images.pointer + item * plane).update(from: picture.pointer, count: plane)
        }
    }

    public var captions: [String] { samples.map(\.caption) }
}
