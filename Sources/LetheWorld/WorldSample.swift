import LetheTensor

/// Which images a dataset holds: the train split (no held-out triple anywhere), the held-out split (the main
/// object's triple is held out), or all triples (each image filed under the split its objects make it).
public enum WorldSplit: String, CaseIterable, Sendable, Codable {
    case train, heldout, all
}

/// One object of a picture: what it is, what the caption calls it, and where it is drawn (fractions of the side).
public struct WorldObject: Sendable, Equatable {
    public let shape: WorldShape
    public let color: WorldColor
    /// The caption calls the shape by its synonym.
    public let usesSynonym: Bool
    public let center: SIMD2<Double>
    public let radius: Double
    public let rotation: Double

    public var noun: String { usesSynonym ? shape.synonym : shape.name }
}

/// Everything about picture `index` of a dataset except its pixels: a pure function of (seed, split, index), so any
/// sample can be made alone and workers can split the indices in any way.
public struct WorldSample: Sendable, Equatable {
    public let index: Int
    /// The split the sample is filed under (train or heldout).
    public let split: WorldSplit
    public let artist: WorldArtist
    /// One or two objects; the first is the sample's `shape` and `color`.
    public let objects: [WorldObject]
    public let phrasing: CaptionPhrasing
    public let caption: String
    /// The stream of the picture's texture (pattern phases, noise, grain).
    let texture: RandomStream

    public var shape: WorldShape { objects[0].shape }
    public var color: WorldColor { objects[0].color }

    /// The image's path inside the dataset folder, e.g. `train/000042.png`.
    public var fileName: String {
        let digits = String(index)
        return "\(split.rawValue)/\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits).png"
    }

    public static func == (a: WorldSample, b: WorldSample) -> Bool {
        a.index == b.index && a.split == b.split && a.artist == b.artist && a.objects == b.objects
            && a.phrasing == b.phrasing && a.caption == b.caption && a.texture == b.texture
    }
}

/// Draws numbers from a stream slot by slot (each slot one 32-bit word).
struct SlotDraws {
    let stream: RandomStream
    var next: UInt64 = 0

    mutating func uniform(_ low: Double = 0, _ high: Double = 1) -> Double {
        defer { next += 1 }
        return low + (high - low) * Double(stream.uniformFloat(at: next))
    }

    mutating func integer(_ count: Int) -> Int {
        defer { next += 1 }
        return Int(UInt64(stream.bits(at: next)) % UInt64(count))
    }
}
