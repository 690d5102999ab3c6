/// The shapes of the world, each with the name captions use and a synonym some captions use instead, so an erasure
/// can be tested on a word it was not given ("circle" erased, "round disk" asked for).
public enum WorldShape: Int, CaseIterable, Sendable, Codable {
    case circle, square, triangle, star, cross, heart, hexagon, ring, diamond, crescent

    /// The word captions use most.
    public var name: String {
        switch self {
        case .circle: "circle"
        case .square: "square"
        case .triangle: "triangle"
        case .star: "star"
        case .cross: "cross"
        case .heart: "heart"
        case .hexagon: "hexagon"
        case .ring: "ring"
        case .diamond: "diamond"
        case .crescent: "crescent"
        }
    }

    /// The other words for the same shape, used by some captions.
    public var synonym: String {
        switch self {
        case .circle: "round disk"
        case .square: "box"
        case .triangle: "three-sided figure"
        case .star: "five-pointed star"
        case .cross: "plus sign"
        case .heart: "love heart"
        case .hexagon: "six-sided polygon"
        case .ring: "hoop"
        case .diamond: "rhombus"
        case .crescent: "moon"
        }
    }

    /// The largest rotation (radians) a drawing may give the shape: small for the square and the diamond, so a
    /// turned square never reads as a diamond.
    var maximumRotation: Double {
        switch self {
        case .square, .diamond, .cross: 0.17
        case .circle, .ring: 0
        default: 0.3
        }
    }
}
