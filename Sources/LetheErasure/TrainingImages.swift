import LetheIO
import LetheTensor

/// Training batches drawn from an image folder: which image each global sample index takes, and its
/// preprocessing, every random choice keyed by (seed, sample index, step) so a sample comes out the same whichever
/// rank prepares it and however the global batch is split.
public struct TrainingImages: Sendable {
    /// The two recipes reproduced.
    public enum Preprocessing: Sendable, Equatable {
        /// diffusers' textual-inversion example: optional centred square crop, resize to size × size (bicubic),
        /// horizontal flip with probability `flipProbability`, `pixels / 127.5 − 1`.
        case textualInversion(centerCrop: Bool, flipProbability: Double)
        /// Forget-Me-Not's dataset: resize the shorter side to size (bilinear), random (or centred) size × size
        /// crop, torchvision's ToTensor and Normalize([0.5], [0.5]).
        case forgetMeNot(centerCrop: Bool)
    }

    public let folder: ImageFolder
    public let size: Int
    public let preprocessing: Preprocessing
    public let seed: UInt64

    public init(folder: ImageFolder, size: Int, preprocessing: Preprocessing, seed: UInt64) throws {
        try ResourceBounds.check(Setting.resolution, size, in: 1...ResourceBounds.maximumImageSide, unit: "pixels")
        self.folder = folder
        self.size = size
        self.preprocessing = preprocessing
        self.seed = seed
    }

    /// The image of global sample `sample`: each pass over the folder (an epoch) visits every image once, in an
    /// order shuffled by the seed (the data loader's `shuffle=True`).
    public func imageIndex(forSample sample: Int) -> Int {
        let count = folder.count
        let epoch = sample / count
        return Self.permutation(count: count, stream: RandomStream(seed: seed, purpose: "image-order", id: UInt64(epoch)))[sample % count]
    }

    /// A uniform draw in [0, 1) for `purpose` of global sample `sample` at step `step`.
    public func uniform(_ purpose: String, sample: Int, step: Int) -> Double {
        RandomStream(seed: seed, purpose: purpose, id: UInt64(sample)).uniformDouble(at: UInt64(step))
    }

    /// An integer in 0...upper drawn for `purpose` (Python's `randint(0, upper)`).
    public func integer(_ purpose: String, upTo upper: Int, sample: Int, step: Int) -> Int {
        min(upper, Int(uniform(purpose, sample: sample, step: step) * Double(upper + 1)))
    }

    /// The preprocessed images [B, 3, size, size] of the global samples `samples` at step `step`.
    public func batch(samples: [Int], step: Int) throws -> Tensor {
        let tensors = try samples.map { try tensor(sample: $0, step: step).reshaped([1, 3, size, size]) }
        return Tensor.concatenate(tensors, axis: 0)
    }

    /// The preprocessed image [3, size, size] of global sample `sample` at step `step`.
    public func tensor(sample: Int, step: Int) throws -> Tensor {
        let index = imageIndex(forSample: sample)
        let image = folder.images[index]
        let name = folder.names[index]
        do {
            switch preprocessing {
            case .textualInversion(let centerCrop, let flipProbability):
                var prepared = centerCrop ? image.centerCroppedToSquare() : image
                prepared = try prepared.resized(width: size, height: size, filter: .bicubic)
                if uniform("flip", sample: sample, step: step) < flipProbability { prepared = prepared.horizontallyFlipped() }
                return prepared.tensor(normalization: .textualInversion)
            case .forgetMeNot(let centerCrop):
                let resized = try image.resizedShorterSide(to: size, filter: .bilinear)
                let cropped: ImageRGB8
                if centerCrop {
                    cropped = try resized.centerCropped(width: size, height: size)
                } else {
                    let top = integer("crop-top", upTo: resized.height - size, sample: sample, step: step)
                    let left = integer("crop-left", upTo: resized.width - size, sample: sample, step: step)
                    cropped = try resized.cropped(x: left, y: top, width: size, height: size)
                }
                return cropped.tensor(normalization: .torchvision)
            }
        } catch {
            throw ErasureError.invalidImage(path: name, reason: "\(error)")
        }
    }

    /// A Fisher–Yates shuffle of 0..<count driven by `stream`.
    static func permutation(count: Int, stream: RandomStream) -> [Int] {
        var order = Array(0..<count)
        guard count > 1 else { return order }
        for position in stride(from: count - 1, to: 0, by: -1) {
            let pick = min(position, Int(stream.uniformDouble(at: UInt64(position)) * Double(position + 1)))
            order.swapAt(position, pick)
        }
        return order
    }
}
