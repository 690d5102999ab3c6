import LetheModels

/// What a judge folder's config.json says: the network's sizes, the labels of its three heads in the words the
/// captions use (so a judge's answers read like captions and a judge trained on another vocabulary says so), and,
/// for a trained judge, how it was trained and the accuracies measured on fresh images.
public struct WorldJudgeConfiguration: Codable, Sendable, Equatable, ComponentConfiguration {
    /// Always "WorldJudge": what reads the folder can tell it from a diffusers component.
    public var architecture: String
    /// The side of the square images the judge takes; others are resized to it.
    public var imageSize: Int
    /// The stem's stride: 2 halves the image at once (shapes span at least 19 of 64 pixels, so nothing they are
    /// told apart by is lost, and every later layer costs a quarter).
    public var stemStride: Int
    /// The stem's width, then each stage's output width: one stage per halving of the image.
    public var channels: [Int]
    public var normGroups: Int
    public var normEpsilon: Double
    /// The labels of the shape, colour and artist heads, in output order.
    public var shapes: [String]
    public var colors: [String]
    public var artists: [String]
    /// How the judge was trained (nil for an untrained one).
    public var training: WorldJudgeTrainingRecord?
    /// Accuracy on fresh images per split ("train", "heldout"), measured after training.
    public var accuracy: [String: WorldJudgeAccuracy]?

    public static let architectureName = "WorldJudge"

    enum CodingKeys: String, CodingKey {
        case architecture, channels, shapes, colors, artists, training, accuracy
        case imageSize = "image_size"
        case stemStride = "stem_stride"
        case normGroups = "norm_groups"
        case normEpsilon = "norm_epsilon"
    }

    public init(imageSize: Int = 64, stemStride: Int = 2, channels: [Int] = [32, 64, 128, 128], normGroups: Int = 8,
                normEpsilon: Double = 1e-5) {
        architecture = Self.architectureName
        self.imageSize = imageSize
        self.stemStride = stemStride
        self.channels = channels
        self.normGroups = normGroups
        self.normEpsilon = normEpsilon
        shapes = WorldShape.allCases.map(\.name)
        colors = WorldColor.allCases.map(\.name)
        artists = WorldArtist.allCases.map(\.name)
    }

    /// Stages (halvings of the image) between the stem and the pooled features.
    public var stageCount: Int { channels.count - 1 }
    /// The width of the pooled feature vector.
    public var featureWidth: Int { channels.last ?? 0 }

    /// Checks the sizes and labels; throws `ModelLoadingError` naming `source` and the key.
    public func validate(source: String) throws {
        func invalid(_ key: String, _ reason: String) -> ModelLoadingError {
            .invalidConfig(path: source, key: key, reason: reason)
        }
        guard architecture == Self.architectureName else {
            throw ModelLoadingError.unsupported(path: source, key: "architecture", value: architecture,
                                                supported: Self.architectureName)
        }
        guard channels.count >= 2, channels.count <= 7 else {
            throw invalid("channels", "has \(channels.count) entries; give the stem's width and 1 to 6 stages' widths")
        }
        guard normGroups >= 1 else { throw invalid("norm_groups", "is \(normGroups); it must be at least 1") }
        for (index, width) in channels.enumerated() where width < 1 || width > 4096 || width % normGroups != 0 {
            throw invalid("channels", "[\(index)] is \(width); each width must be 1 to 4096 and a multiple of norm_groups (\(normGroups))")
        }
        guard normEpsilon > 0, normEpsilon.isFinite else {
            throw invalid("norm_epsilon", "is \(normEpsilon); it must be a positive number")
        }
        guard stemStride == 1 || stemStride == 2 else { throw invalid("stem_stride", "is \(stemStride); it must be 1 or 2") }
        let scale = stemStride << stageCount
        guard imageSize >= scale, imageSize <= 1024, imageSize % scale == 0 else {
            throw invalid("image_size", "is \(imageSize); it must be a multiple of \(scale) (the stem's stride times one halving per stage) up to 1024")
        }
        for (key, labels) in [("shapes", shapes), ("colors", colors), ("artists", artists)] {
            guard !labels.isEmpty else { throw invalid(key, "is empty; a head needs at least one label") }
            guard Set(labels).count == labels.count else { throw invalid(key, "repeats a label") }
        }
    }
}
