/// The named colours of the world: saturated and far apart, so each stays recognisable under every artist's style
/// (pale backgrounds, one dark one, tints of at most a few percent).
public enum WorldColor: Int, CaseIterable, Sendable, Codable {
    case red, orange, yellow, green, cyan, blue, purple, pink, brown, gray

    public var name: String {
        switch self {
        case .red: "red"
        case .orange: "orange"
        case .yellow: "yellow"
        case .green: "green"
        case .cyan: "cyan"
        case .blue: "blue"
        case .purple: "purple"
        case .pink: "pink"
        case .brown: "brown"
        case .gray: "gray"
        }
    }

    /// The colour an object of this name is filled with, 0–255 per channel.
    public var rgb: (red: UInt8, green: UInt8, blue: UInt8) {
        switch self {
        case .red: (215, 35, 35)
        case .orange: (245, 135, 20)
        case .yellow: (240, 210, 20)
        case .green: (40, 160, 60)
        case .cyan: (30, 190, 210)
        case .blue: (35, 70, 215)
        case .purple: (130, 50, 180)
        case .pink: (245, 120, 185)
        case .brown: (125, 75, 35)
        case .gray: (125, 125, 125)
        }
    }

    /// The colour as linear 0–1 channels for drawing.
    var vector: SIMD3<Double> {
        let (r, g, b) = rgb
        return SIMD3(Double(r), Double(g), Double(b)) / 255
    }

    /// The named colour nearest to `rgb` (squared distance), as a judge of what a drawing shows.
    public static func nearest(to rgb: SIMD3<Double>) -> WorldColor {
        allCases.min { a, b in
            let da = a.vector * 255 - rgb, db = b.vector * 255 - rgb
            return (da * da).sum() < (db * db).sum()
        }!
    }
}
