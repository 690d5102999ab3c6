import Foundation
import LetheModels
import LetheTensor
import LetheWorld

/// A judge small enough to difference and train in a test: 16×16 images, two stages (8 → 8 → 16 channels).
let tinyJudgeConfiguration = WorldJudgeConfiguration(imageSize: 16, channels: [8, 8, 16], normGroups: 4)

/// The pictures and targets of train-split samples `indices` at the configuration's size.
func judgeBatch(_ indices: [Int], seed: UInt64 = 11, configuration: WorldJudgeConfiguration = tinyJudgeConfiguration)
    throws -> (images: Tensor, targets: JudgeTargets) {
    let (images, samples) = try JudgeImages(dataset: WorldDataset(seed: seed, split: .train), size: configuration.imageSize)
        .batch(indices)
    return (images, try JudgeTargets(samples: samples, configuration: configuration))
}

/// A fresh temporary folder; the caller removes it.
func temporaryFolder(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
