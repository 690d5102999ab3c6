/// How an artist draws: the background, the stroke around objects, texture and tint. Every parameter is fixed per
/// artist; what varies from picture to picture (pattern phase, grain) comes from the sample's random stream.
public struct ArtistStyle: Sendable {
    /// The background behind the objects, in two colours (`base` and `accent`).
    public enum Pattern: Sendable {
        /// Stripes at `angle` (radians) with `period` (fraction of the image side).
        case stripes(angle: Double, period: Double)
        /// A grid of dots `spacing` apart with `radius` (fractions of the side).
        case dots(spacing: Double, radius: Double)
        /// A checkerboard of `cell` (fraction of the side).
        case checker(cell: Double)
        /// A linear gradient from base (top) to accent (bottom).
        case gradient
        /// Smooth value noise blending base and accent, `cells` lattice cells across.
        case noise(cells: Int)
        /// Paper: base with fine grain and faint accent fibres.
        case paper
        /// Thin accent grid lines `spacing` apart, `width` wide (fractions of the side).
        case grid(spacing: Double, width: Double)
        /// Concentric accent rings around the centre, `period` apart.
        case rings(period: Double)
    }

    public let pattern: Pattern
    public let base: SIMD3<Double>
    public let accent: SIMD3<Double>
    /// The outline's colour and width (fraction of the image side); nil draws filled shapes without a stroke.
    public let stroke: (ink: SIMD3<Double>, width: Double)?
    /// A soft shadow offset down-right under each object.
    public let shadow: Bool
    /// Per-pixel grain (standard deviation, 0–1 channel units) over the whole picture.
    public let grain: Double
    /// A colour the finished picture is blended toward, and how far (kept small so object colours stay named).
    public let tint: (color: SIMD3<Double>, amount: Double)?
    /// How far edges wobble (fraction of an object's radius): hand-drawn outlines.
    public let wobble: Double
}

extension SIMD3 where Scalar == Double {
    /// A colour from 0–255 channels.
    static func rgb(_ r: Double, _ g: Double, _ b: Double) -> SIMD3<Double> { SIMD3(r, g, b) / 255 }
}
