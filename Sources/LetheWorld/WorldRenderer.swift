import LetheIO
import LetheTensor

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Draws a sample: the artist's background, each object's shadow, fill and stroke, anti-aliased by averaging
/// `supersampling²` points per pixel, then the artist's tint and grain. Geometry is in fractions of the side, so a
/// sample at 32 px is the same picture as at 64 px.
public struct WorldRenderer: Sendable {
    public let size: Int
    public let supersampling: Int

    public static let sizes = [32, 64]

    public init(size: Int, supersampling: Int = 4) {
        self.size = size
        self.supersampling = supersampling
    }

    /// The picture and, per object, the fraction of each pixel (row-major) covered by its fill (not its stroke):
    /// what a test measures the object's colour and shape on.
    public func draw(_ sample: WorldSample) -> (image: ImageRGB8, fills: [[Double]]) {
        let style = sample.artist.style
        let background = Background(style: style, texture: sample.texture)
        let n = supersampling
        let weight = 1 / Double(n * n)
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        var fills = [[Double]](repeating: [Double](repeating: 0, count: size * size), count: sample.objects.count)
        let wobblePhases = sample.objects.indices.map { Double(sample.texture.uniformFloat(at: 16 + UInt64($0))) * 2 * .pi }
        for y in 0..<size {
            for x in 0..<size {
                var sum = SIMD3<Double>(repeating: 0)
                for sy in 0..<n {
                    for sx in 0..<n {
                        let q = SIMD2(Double(x) + (Double(sx) + 0.5) / Double(n), Double(y) + (Double(sy) + 0.5) / Double(n))
                            / Double(size)
                        var color = background.color(at: q)
                        if style.shadow {
                            for object in sample.objects where distance(object, q - SIMD2(0.035, 0.035), style, 0) < 0 {
                                color *= 0.72
                            }
                        }
                        for (k, object) in sample.objects.enumerated() {
                            let d = distance(object, q, style, wobblePhases[k])
                            // The stroke straddles the edge, at most 0.2 of the radius wide, so a small ring keeps
                            // its fill and its hole.
                            let half = style.stroke.map { min($0.width / object.radius, 0.2) / 2 } ?? 0
                            guard d < half else { continue }
                            if let stroke = style.stroke, d > -half {
                                color = stroke.ink
                            } else {
                                color = object.color.vector
                                fills[k][y * size + x] += weight
                            }
                        }
                        sum += color
                    }
                }
                var color = sum * weight
                if let tint = style.tint { color += (tint.color - color) * tint.amount }
                if style.grain > 0 {
                    color += SIMD3(repeating: style.grain * Double(sample.texture.normalFloat(at: (1 << 32) + UInt64(y * size + x))))
                }
                for c in 0..<3 {
                    pixels[(y * size + x) * 3 + c] = UInt8((min(max(color[c], 0), 1) * 255).rounded())
                }
            }
        }
        return (ImageRGB8(width: size, height: size, pixels: pixels), fills)
    }

    /// The object's signed distance at `q` (fractions of the side) in its own frame (radius 1), with the style's
    /// hand-drawn wobble.
    private func distance(_ object: WorldObject, _ q: SIMD2<Double>, _ style: ArtistStyle, _ phase: Double) -> Double {
        let offset = (q - object.center) / object.radius
        let c = cos(object.rotation), s = sin(object.rotation)
        let local = SIMD2(c * offset.x + s * offset.y, -s * offset.x + c * offset.y)
        var d = ShapeDistance.distance(object.shape, local)
        if style.wobble > 0 { d += style.wobble * sin(7 * atan2(local.y, local.x) + phase) }
        return d
    }
}

/// An artist's background for one picture, its phases and noise lattice drawn from the picture's texture stream.
struct Background {
    let style: ArtistStyle
    let phase: SIMD2<Double>
    let center: SIMD2<Double>
    let lattice: [Double]
    let cells: Int

    init(style: ArtistStyle, texture: RandomStream) {
        self.style = style
        phase = SIMD2(Double(texture.uniformFloat(at: 0)), Double(texture.uniformFloat(at: 1)))
        center = SIMD2(0.3 + 0.4 * Double(texture.uniformFloat(at: 2)), 0.3 + 0.4 * Double(texture.uniformFloat(at: 3)))
        cells = switch style.pattern {
        case .noise(let cells): cells
        case .paper: 12
        default: 1
        }
        lattice = (0..<((cells + 1) * (cells + 1))).map { Double(texture.uniformFloat(at: 64 + UInt64($0))) }
    }

    func color(at q: SIMD2<Double>) -> SIMD3<Double> {
        let (base, accent) = (style.base, style.accent)
        switch style.pattern {
        case let .stripes(angle, period):
            let t = (q.x * cos(angle) + q.y * sin(angle)) / period + phase.x
            return t - floor(t) < 0.5 ? base : accent
        case let .dots(spacing, radius):
            let cell = q / spacing + phase
            let local = (cell - SIMD2(floor(cell.x), floor(cell.y)) - 0.5) * spacing
            return ShapeDistance.length(local) < radius ? accent : base
        case let .checker(cell):
            let i = Int(floor(q.x / cell + phase.x)) + Int(floor(q.y / cell + phase.y))
            return i & 1 == 0 ? base : accent
        case .gradient:
            return base + (accent - base) * q.y
        case .noise:
            return base + (accent - base) * smoothNoise(q)
        case .paper:
            let fibre = smoothNoise(q)
            return base + (accent - base) * (fibre > 0.7 ? 0.8 : 0.25 * fibre)
        case let .grid(spacing, width):
            let t = q / spacing + phase
            let f = t - SIMD2(floor(t.x), floor(t.y))
            return f.x < width / spacing || f.y < width / spacing ? accent : base
        case let .rings(period):
            let t = ShapeDistance.length(q - center) / period + phase.x
            return t - floor(t) < 0.5 ? base : accent
        }
    }

    /// Bilinear value noise with smoothstep weights over the lattice, in [0, 1].
    private func smoothNoise(_ q: SIMD2<Double>) -> Double {
        let p = SIMD2(min(max(q.x, 0), 1), min(max(q.y, 0), 1)) * Double(cells) * 0.9999
        let i = Int(p.x), j = Int(p.y)
        let fx = p.x - Double(i), fy = p.y - Double(j)
        let (u, v) = (fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy))
        let row = cells + 1
        let a = lattice[j * row + i], b = lattice[j * row + i + 1]
        let c = lattice[(j + 1) * row + i], d = lattice[(j + 1) * row + i + 1]
        return (a + (b - a) * u) + ((c + (d - c) * u) - (a + (b - a) * u)) * v
    }
}

extension WorldRenderer {
    /// The coverage (0–1 per pixel, row-major) of `shape` alone, unrotated, centred, `radius` a fraction of the
    /// side: what tells shapes apart, for tests and judges.
    public func coverage(of shape: WorldShape, radius: Double = 0.3) -> [Double] {
        let n = supersampling
        var mask = [Double](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                var inside = 0
                for sy in 0..<n {
                    for sx in 0..<n {
                        let q = SIMD2(Double(x) + (Double(sx) + 0.5) / Double(n), Double(y) + (Double(sy) + 0.5) / Double(n))
                            / Double(size)
                        if ShapeDistance.distance(shape, (q - 0.5) / radius) < 0 { inside += 1 }
                    }
                }
                mask[y * size + x] = Double(inside) / Double(n * n)
            }
        }
        return mask
    }
}
