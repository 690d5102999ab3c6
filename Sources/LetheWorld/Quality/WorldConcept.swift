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

    /// The concept a word names: a shape (or its synonym), a colour or an artist, in any case.
    public init?(named name: String) {
        let key = name.lowercased().trimmingCharacters(in: .whitespaces)
        if let shape = WorldShape.allCases.first(where: { $0.name == key || $0.synonym == key }) { self = .shape(shape); return }
        if let color = WorldColor.allCases.first(where: { $0.name == key }) { self = .color(color); return }
        if let artist = WorldArtist.allCases.first(where: { $0.name.lowercased() == key }) { self = .artist(artist); return }
        return nil
    }

    /// Every concept's name, for error messages.
    public static var allNames: String { all.map(\.name).joined(separator: ", ") }

    /// The words captions use (the judge's label).
    public var name: String {
        switch self {
        case .shape(let shape): shape.name
        case .color(let color): color.name
        case .artist(let artist): artist.name
        }
    }

    /// "shape", "colour" or "artist".
    public var kind: String {
        switch self {
        case .shape: "shape"
        case .color: "colour"
        case .artist: "artist"
        }
    }

    public var isArtist: Bool { if case .artist = self { true } else { false } }
    public var isColor: Bool { if case .color = self { true } else { false } }

    /// Whether the judge sees this concept in an image.
    public func isShown(in prediction: WorldJudgePrediction) -> Bool {
        switch self {
        case .shape: prediction.shape.present.contains(name)
        case .color: prediction.color.present.contains(name)
        case .artist: prediction.artist.top == name
        }
    }
}

