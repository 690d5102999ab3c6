import LetheDistributed
import LetheTensor

/// How often the judge is right on fresh world images, per head. Per image, the shape head is right when the
/// set of shapes it judges present (probability above one half) is exactly the set the picture holds, the colour
/// head likewise, and the artist head when its most probable artist is the picture's.
public struct WorldJudgeAccuracy: Codable, Sendable, Equatable {
    public var split: WorldSplit
    public var seed: UInt64
    public var images: Int
    /// Fractions of the images each head gets right.
    public var shape: Double
    public var color: Double
    public var artist: Double

    public init(split: WorldSplit, seed: UInt64, images: Int, shape: Double, color: Double, artist: Double) {
        self.split = split
        self.seed = seed
        self.images = images
        self.shape = shape
        self.color = color
        self.artist = artist
    }

    /// The worst head's accuracy.
    public var minimum: Double { min(shape, color, artist) }

    /// Whether each head is right about image `index` of `targets`.
    public static func verdict(_ prediction: WorldJudgePrediction, targets: JudgeTargets,
                               index: Int) -> (shape: Bool, color: Bool, artist: Bool) {
        (Set(prediction.shape.presentIndices) == targets.shapeSets[index],
         Set(prediction.color.presentIndices) == targets.colorSets[index],
         prediction.artist.topIndex == targets.artists[index])
    }
}

extension WorldJudge {
    /// The judge's accuracy on samples 0..<count of `dataset`, rendered clean at the judge's size. The ranks of
    /// `communicator` each render and judge their share and the counts are summed, so every rank gets the same
    /// answer, the one a single process gets. `progress(done, total)` follows this rank's share.
    public func accuracy(on dataset: WorldDataset, count: Int, communicator: Communicator = .singleProcess(),
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> WorldJudgeAccuracy {
        precondition(count > 0, "accuracy over no images")
        let images = JudgeImages(dataset: dataset, size: configuration.imageSize)
        let share = communicator.share(of: count)
        var correct = [Double](repeating: 0, count: 3)
        for start in stride(from: share.lowerBound, to: share.upperBound, by: Self.inferenceBatch) {
            let (pixels, samples) = try images.batch(Array(start..<min(share.upperBound, start + Self.inferenceBatch)))
            let targets = try JudgeTargets(samples: samples, configuration: configuration)
            for (index, prediction) in try predict(pixels).enumerated() {
                let verdict = WorldJudgeAccuracy.verdict(prediction, targets: targets, index: index)
                correct[0] += verdict.shape ? 1 : 0
                correct[1] += verdict.color ? 1 : 0
                correct[2] += verdict.artist ? 1 : 0
            }
            progress(min(share.upperBound, start + Self.inferenceBatch) - share.lowerBound, share.count)
        }
        let sums = try communicator.allreduce(correct, op: .sum)
        let total = Double(count)
        return WorldJudgeAccuracy(split: dataset.split, seed: dataset.seed, images: count, shape: sums[0] / total,
                                  color: sums[1] / total, artist: sums[2] / total)
    }
}
