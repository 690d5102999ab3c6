/// The fictional artists of the world, each with a procedural style distinct in background, stroke and texture.
public enum WorldArtist: Int, CaseIterable, Sendable, Codable {
    case ilseVarga, tomasOrrin, miraKestrel, odileMarchetti, bramHolloway, sanaQuerido, pietVandersloot,
         leontineAske, rufusCalder, yaraNiemi

    public var name: String {
        switch self {
        case .ilseVarga: "Ilse Varga"
        case .tomasOrrin: "Tomas Orrin"
        case .miraKestrel: "Mira Kestrel"
        case .odileMarchetti: "Odile Marchetti"
        case .bramHolloway: "Bram Holloway"
        case .sanaQuerido: "Sana Querido"
        case .pietVandersloot: "Piet Vandersloot"
        case .leontineAske: "Leontine Aske"
        case .rufusCalder: "Rufus Calder"
        case .yaraNiemi: "Yara Niemi"
        }
    }

    /// The artist's style. Backgrounds are pale (one artist paints at night) so every named colour stands out.
    public var style: ArtistStyle {
        switch self {
        case .ilseVarga:  // diagonal cream and rose stripes, thick black outline
            ArtistStyle(pattern: .stripes(angle: 0.785, period: 0.16), base: .rgb(250, 240, 215), accent: .rgb(240, 205, 205),
                        stroke: (.rgb(20, 20, 20), 0.045), shadow: false, grain: 0, tint: nil, wobble: 0)
        case .tomasOrrin:  // polka dots on pale blue, no outline, drop shadow
            ArtistStyle(pattern: .dots(spacing: 0.125, radius: 0.03), base: .rgb(215, 232, 250), accent: .rgb(255, 255, 255),
                        stroke: nil, shadow: true, grain: 0, tint: nil, wobble: 0)
        case .miraKestrel:  // grey and white checkerboard, thin navy outline
            ArtistStyle(pattern: .checker(cell: 0.125), base: .rgb(250, 250, 250), accent: .rgb(200, 200, 200),
                        stroke: (.rgb(20, 30, 90), 0.022), shadow: false, grain: 0, tint: nil, wobble: 0)
        case .odileMarchetti:  // warm vertical gradient, soft grain, no outline
            ArtistStyle(pattern: .gradient, base: .rgb(255, 250, 200), accent: .rgb(250, 195, 160),
                        stroke: nil, shadow: false, grain: 0.035, tint: nil, wobble: 0)
        case .bramHolloway:  // night: dark blue cloudy noise, white outline
            ArtistStyle(pattern: .noise(cells: 4), base: .rgb(15, 20, 50), accent: .rgb(45, 55, 95),
                        stroke: (.rgb(250, 250, 250), 0.03), shadow: false, grain: 0.01, tint: nil, wobble: 0)
        case .sanaQuerido:  // beige paper, brown ink outline, sepia tint, strong grain
            ArtistStyle(pattern: .paper, base: .rgb(235, 222, 195), accent: .rgb(200, 180, 145),
                        stroke: (.rgb(90, 55, 25), 0.03), shadow: false, grain: 0.05, tint: (.rgb(160, 120, 70), 0.12),
                        wobble: 0.015)
        case .pietVandersloot:  // white with a black grid, thick black outline
            ArtistStyle(pattern: .grid(spacing: 0.25, width: 0.03), base: .rgb(248, 248, 240), accent: .rgb(30, 30, 30),
                        stroke: (.rgb(10, 10, 10), 0.05), shadow: false, grain: 0, tint: nil, wobble: 0)
        case .leontineAske:  // lavender concentric rings, no outline, faint violet tint
            ArtistStyle(pattern: .rings(period: 0.12), base: .rgb(235, 225, 250), accent: .rgb(205, 190, 235),
                        stroke: nil, shadow: false, grain: 0.015, tint: (.rgb(150, 100, 220), 0.08), wobble: 0)
        case .rufusCalder:  // vertical mint and white stripes, white outline and drop shadow
            ArtistStyle(pattern: .stripes(angle: 0, period: 0.2), base: .rgb(250, 252, 250), accent: .rgb(185, 235, 205),
                        stroke: (.rgb(255, 255, 255), 0.03), shadow: true, grain: 0, tint: nil, wobble: 0)
        case .yaraNiemi:  // sage cloudy noise, wobbly hand-drawn edges, dark green outline, grain
            ArtistStyle(pattern: .noise(cells: 3), base: .rgb(225, 235, 215), accent: .rgb(180, 200, 170),
                        stroke: (.rgb(30, 60, 35), 0.025), shadow: false, grain: 0.03, tint: nil, wobble: 0.025)
        }
    }
}
