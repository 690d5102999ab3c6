import LetheIO
import LetheTensor

extension WorldJudge {
    /// Images per forward pass at inference: bounds the activations (about 25 MB at 64×64) for any number of images.
    static let inferenceBatch = 64

    /// How 8-bit pixels become the judge's [−1, 1] inputs, in training and in judging alike.
    public static let pixelNormalization = ImagePixelNormalization.torchvision

    /// `image` as the judge takes it, [3, S, S] in [−1, 1]: cropped to its centred square and resized (PIL's
    /// antialiased bilinear) when it is not S×S already, as a generated image of another size would be.
    public func tensor(of image: ImageRGB8) throws -> Tensor {
        let side = configuration.imageSize
        var square = image
        if image.width != side || image.height != side {
            square = try image.centerCroppedToSquare().resized(width: side, height: side, filter: .bilinear)
        }
        return square.tensor(normalization: Self.pixelNormalization)
    }

    /// Images as one batch [B, 3, S, S].
    public func batch(_ images: [ImageRGB8]) throws -> Tensor {
        let side = configuration.imageSize
        return Tensor.concatenate(try images.map { try tensor(of: $0).reshaped([1, 3, side, side]) }, axis: 0)
    }

    /// The pooled penultimate features [B, features] of images [B, 3, S, S] in [−1, 1].
    public func features(_ images: Tensor) throws -> Tensor {
        try checkImages(images)
        return Tensor.concatenate(chunks(of: images).map { forward($0).features }, axis: 0)
    }

    /// The features of decoded images (resized to the judge's size when needed).
    public func features(_ images: [ImageRGB8]) throws -> Tensor {
        try features(batch(images))
    }

    /// What the judge sees in each of images [B, 3, S, S] in [−1, 1].
    public func predict(_ images: Tensor) throws -> [WorldJudgePrediction] {
        try checkImages(images)
        return chunks(of: images).flatMap { predictions(forward($0)) }
    }

    /// What the judge sees in each decoded image (resized to the judge's size when needed).
    public func predict(_ images: [ImageRGB8]) throws -> [WorldJudgePrediction] {
        guard !images.isEmpty else { return [] }
        return try stride(from: 0, to: images.count, by: Self.inferenceBatch).flatMap { start in
            predictions(forward(try batch(Array(images[start..<min(images.count, start + Self.inferenceBatch)]))))
        }
    }

    /// Each image's probabilities: sigmoids of the shape and colour logits, softmax of the artist's.
    func predictions(_ output: WorldJudgeOutput) -> [WorldJudgePrediction] {
        let shapes = output.shapeLogits.sigmoid().toArray(), colors = output.colorLogits.sigmoid().toArray()
        let artists = output.artistLogits.softmax().toArray()
        let configuration = configuration
        func head(_ labels: [String], _ values: [Float], _ image: Int) -> JudgeHeadPrediction {
            JudgeHeadPrediction(labels: labels,
                                probabilities: values[(image * labels.count)..<((image + 1) * labels.count)].map(Double.init))
        }
        return (0..<output.features.shape[0]).map { image in
            WorldJudgePrediction(shape: head(configuration.shapes, shapes, image),
                                 color: head(configuration.colors, colors, image),
                                 artist: head(configuration.artists, artists, image))
        }
    }

    private func checkImages(_ images: Tensor) throws(WorldJudgeError) {
        let side = configuration.imageSize
        guard images.rank == 4, images.shape[0] > 0, images.shape[1] == 3, images.shape[2] == side, images.shape[3] == side else {
            throw .imageShape(expected: [images.rank == 4 ? max(images.shape[0], 1) : 1, 3, side, side], found: images.shape)
        }
    }

    /// The batch in runs of at most `inferenceBatch` images.
    private func chunks(of images: Tensor) -> [Tensor] {
        let count = images.shape[0]
        return stride(from: 0, to: count, by: Self.inferenceBatch).map {
            images.narrowed(axis: 0, start: $0, length: min(Self.inferenceBatch, count - $0))
        }
    }
}
