import LetheTensor

/// The synthetic captioned image set: sample `index` of (seed, split) is drawn from its own random streams, so
/// the same seed gives the same pictures and captions byte for byte, whoever makes them and in whatever order.
public struct WorldDataset: Sendable {
    public let seed: UInt64
    public let split: WorldSplit

    /// How often a picture has two objects.
    static let twoObjectRate = 0.3
    /// How often a caption calls a shape by its synonym.
    static let synonymRate = 0.3

    public init(seed: UInt64, split: WorldSplit) {
        self.seed = seed
        self.split = split
    }

    public func sample(at index: Int) -> WorldSample {
        var draws = SlotDraws(stream: RandomStream(seed: seed, purpose: "world.\(split.rawValue).layout", id: UInt64(index)))
        let artist: WorldArtist
        var first: (shape: WorldShape, color: WorldColor)
        switch split {
        case .heldout:
            let triple = HeldOutTriples.all[draws.integer(HeldOutTriples.all.count)]
            (artist, first) = (triple.artist, (triple.shape, triple.color))
        case .train, .all:
            artist = WorldArtist.allCases[draws.integer(WorldArtist.allCases.count)]
            first = Self.pair(&draws, artist: artist, avoidHeldOut: split == .train)
        }
        var kinds = [first]
        if draws.uniform() < Self.twoObjectRate {
            var second = Self.pair(&draws, artist: artist, avoidHeldOut: split != .all)
            // Another shape, so the two are told apart by shape as well as place.
            while second.shape == first.shape { second = Self.pair(&draws, artist: artist, avoidHeldOut: split != .all) }
            kinds.append(second)
        }
        let places = Self.layout(&draws, count: kinds.count)
        let objects = zip(kinds, places).map { kind, place in
            WorldObject(
                shape: kind.shape, color: kind.color, usesSynonym: draws.uniform() < Self.synonymRate,
                center: place.center, radius: place.radius,
                rotation: draws.uniform(-1, 1) * kind.shape.maximumRotation)
        }
        let phrasing = CaptionPhrasing.allCases[draws.integer(CaptionPhrasing.allCases.count)]
        let filed: WorldSplit = split != .all ? split
            : objects.contains { HeldOutTriples.contains(shape: $0.shape, color: $0.color, artist: artist) } ? .heldout : .train
        return WorldSample(
            index: index, split: filed, artist: artist, objects: objects, phrasing: phrasing,
            caption: phrasing.caption(objects: objects.map { ($0.color, $0.noun) }, artist: artist),
            texture: RandomStream(seed: seed, purpose: "world.\(split.rawValue).texture", id: UInt64(index)))
    }

    /// A shape and a colour, redrawn while the triple with `artist` is held out (when it must be avoided).
    private static func pair(_ draws: inout SlotDraws, artist: WorldArtist, avoidHeldOut: Bool) -> (shape: WorldShape, color: WorldColor) {
        while true {
            let shape = WorldShape.allCases[draws.integer(WorldShape.allCases.count)]
            let color = WorldColor.allCases[draws.integer(WorldColor.allCases.count)]
            if !avoidHeldOut || !HeldOutTriples.contains(shape: shape, color: color, artist: artist) { return (shape, color) }
        }
    }

    /// Where the objects go: one large object anywhere it fits, or two smaller ones side by side, one above the
    /// other, or on a diagonal (order random), never overlapping.
    private static func layout(_ draws: inout SlotDraws, count: Int) -> [(center: SIMD2<Double>, radius: Double)] {
        let margin = 0.06
        if count == 1 {
            let radius = draws.uniform(0.27, 0.35)
            let x = draws.uniform(radius + margin, 1 - radius - margin)
            let y = draws.uniform(radius + margin, 1 - radius - margin)
            return [(SIMD2(x, y), radius)]
        }
        let radii = [draws.uniform(0.15, 0.19), draws.uniform(0.15, 0.19)]
        let arrangement = draws.integer(3)
        var places: [(center: SIMD2<Double>, radius: Double)] = []
        for (k, radius) in radii.enumerated() {
            let along = (k == 0 ? 0.27 : 0.73) + draws.uniform(-0.02, 0.02)
            let across = draws.uniform(radius + margin, 1 - radius - margin)
            let center: SIMD2<Double> = switch arrangement {
            case 0: SIMD2(along, across)
            case 1: SIMD2(across, along)
            default: SIMD2(along, (k == 0 ? 0.27 : 0.73) + draws.uniform(-0.02, 0.02))
            }
            places.append((center, radius))
        }
        return draws.integer(2) == 0 ? places : places.reversed()
    }
}
