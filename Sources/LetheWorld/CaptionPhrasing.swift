/// The ways a caption may be phrased. Objects are named by colour and shape noun (the shape's name or synonym);
/// some phrasings name the artist, one does not.
public enum CaptionPhrasing: Int, CaseIterable, Sendable, Codable {
    /// "a red star"
    case plain
    /// "a drawing of a star, red, by Ilse Varga"
    case drawingBy
    /// "Ilse Varga style painting of a red star"
    case stylePainting
    /// "a red star by Ilse Varga"
    case objectBy
    /// "a picture of a red star in the style of Ilse Varga"
    case inTheStyleOf
    /// "red star, artwork by Ilse Varga"
    case artwork

    /// The caption for `objects` (colour and noun each) drawn by `artist`.
    public func caption(objects: [(color: WorldColor, noun: String)], artist: WorldArtist) -> String {
        let colored = Self.list(objects.map { Self.article("\($0.color.name) \($0.noun)") })
        switch self {
        case .plain:
            return colored
        case .drawingBy:
            let items = Self.list(objects.map { Self.article($0.noun) + ", \($0.color.name)" })
            return "a drawing of \(items), by \(artist.name)"
        case .stylePainting:
            return "\(artist.name) style painting of \(colored)"
        case .objectBy:
            return "\(colored) by \(artist.name)"
        case .inTheStyleOf:
            return "a picture of \(colored) in the style of \(artist.name)"
        case .artwork:
            let bare = Self.list(objects.map { "\($0.color.name) \($0.noun)" })
            return "\(bare), artwork by \(artist.name)"
        }
    }

    /// "a" or "an" before `phrase`, by its first letter.
    static func article(_ phrase: String) -> String {
        let vowel = phrase.first.map { "aeiou".contains($0) } ?? false
        return (vowel ? "an " : "a ") + phrase
    }

    /// "x" or "x and y".
    static func list(_ items: [String]) -> String {
        items.joined(separator: " and ")
    }
}
