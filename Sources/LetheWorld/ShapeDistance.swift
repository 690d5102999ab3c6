/// Signed distances to the world's shapes in the object's own frame: the object's radius is 1, y points down,
/// negative inside. Polygons use the exact polygon distance; circles, rings, crosses and crescents are analytic.
enum ShapeDistance {
    static func distance(_ shape: WorldShape, _ p: SIMD2<Double>) -> Double {
        switch shape {
        case .circle: return length(p) - 0.9
        case .square: return box(p, SIMD2(0.78, 0.78))
        case .triangle: return polygon(p, triangle)
        case .star: return polygon(p, star)
        case .cross: return min(box(p, SIMD2(0.95, 0.3)), box(p, SIMD2(0.3, 0.95)))
        case .heart: return polygon(p, heart)
        case .hexagon: return polygon(p, hexagon)
        case .ring: return abs(length(p) - 0.7) - 0.24
        case .diamond: return polygon(p, diamond)
        case .crescent: return max(length(p) - 0.95, -(length(p - SIMD2(0.42, -0.22)) - 0.75))
        }
    }

    static func length(_ v: SIMD2<Double>) -> Double { (v * v).sum().squareRoot() }

    /// An axis-aligned box of half-sizes `half`.
    static func box(_ p: SIMD2<Double>, _ half: SIMD2<Double>) -> Double {
        let q = SIMD2(abs(p.x), abs(p.y)) - half
        let outside = SIMD2(max(q.x, 0), max(q.y, 0))
        return length(outside) + min(max(q.x, q.y), 0)
    }

    /// The signed distance to a closed polygon (distance to the nearest edge, negative inside by the crossing rule).
    static func polygon(_ p: SIMD2<Double>, _ v: [SIMD2<Double>]) -> Double {
        var nearest = ((p - v[0]) * (p - v[0])).sum()
        var sign = 1.0
        var j = v.count - 1
        for i in 0..<v.count {
            let e = v[j] - v[i], w = p - v[i]
            let t = min(max((w * e).sum() / (e * e).sum(), 0), 1)
            let b = w - e * t
            nearest = min(nearest, (b * b).sum())
            let c1 = p.y >= v[i].y, c2 = p.y < v[j].y, c3 = e.x * w.y > e.y * w.x
            if (c1 && c2 && c3) || (!c1 && !c2 && !c3) { sign = -sign }
            j = i
        }
        return sign * nearest.squareRoot()
    }

    static let triangle: [SIMD2<Double>] = [SIMD2(0, -0.95), SIMD2(0.98, 0.75), SIMD2(-0.98, 0.75)]
    static let diamond: [SIMD2<Double>] = [SIMD2(0, -1), SIMD2(0.6, 0), SIMD2(0, 1), SIMD2(-0.6, 0)]
    static let hexagon: [SIMD2<Double>] = (0..<6).map { k in
        let angle = Double(k) * .pi / 3
        return SIMD2(0.92 * cos(angle), 0.92 * sin(angle))
    }
    static let star: [SIMD2<Double>] = (0..<10).map { k in
        let angle = -Double.pi / 2 + Double(k) * .pi / 5
        let radius = k % 2 == 0 ? 1.02 : 0.42
        return SIMD2(radius * cos(angle), radius * sin(angle) + 0.08)
    }
    static let heart: [SIMD2<Double>] = (0..<64).map { k in
        let t = Double(k) / 64 * 2 * .pi
        let x = 16 * pow(sin(t), 3)
        let y = 13 * cos(t) - 5 * cos(2 * t) - 2 * cos(3 * t) - cos(4 * t)
        return SIMD2(x / 16.5, -y / 16.5 - 0.12)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
