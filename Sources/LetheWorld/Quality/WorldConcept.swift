/// One concept of the world: a shape, a colour or an artist, with the word captions use for it, and whether the
/// judge sees it in an image.
public enum WorldConcept: Sendable, Equatable, Hashable {
    case shape(WorldShape)
    case color(WorldColor)
    case artist(WorldArtist)

    /// Every shape, colour and artist of the world, in that order.
    public static var all: [WorldConcept] {
        WorldShape.allCases.map(WorldConcept.shape) + WorldColor.allCases.map(WorldConcept.color)
            + WorldArtist.allCases.map(WorldConcept.artist)
    }

    /// The words captions use (the judge's label).
    public var name: String {
        switch self {
        case .shape(let shape): shape.name
        case .color(let color): color.name
        case .artist(let artist): artist.name
        }
    }

    /// Whether the judge sees this concept in an image.
    public func isShown(in prediction: WorldJudgePrediction) -> Bool {
        switch self {
        case .shape: prediction.shape.present.contains(name)
        case .color: prediction.color.present.contains(name)
        case .artist: prediction.artist.top == name
        }
    }
}

