import LetheTensor

/// What a batch of world samples shows, as the judge's heads learn it: the set of shapes and the set of colours
/// of each picture's objects (multi-hot rows) and its artist (an index).
public struct JudgeTargets: Sendable {
    public let shapeSets: [Set<Int>]
    public let colorSets: [Set<Int>]
    public let artists: [Int]
    /// [B, shapes] and [B, colours]: 1 where the label is present.
    public let shapes: Tensor
    public let colors: Tensor

    /// The targets of `samples` in the label order of `configuration`; throws for a shape, colour or artist it has
    /// no label for (`source` names the judge).
    public init(samples: [WorldSample], configuration: WorldJudgeConfiguration, source: String = "the judge") throws(WorldJudgeError) {
        func indices(_ labels: [String]) -> [String: Int] {
            Dictionary(labels.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let shapeIndex = indices(configuration.shapes), colorIndex = indices(configuration.colors)
        let artistIndex = indices(configuration.artists)
        func look(_ table: [String: Int], _ label: String, _ head: String) throws(WorldJudgeError) -> Int {
            guard let index = table[label] else { throw .unknownLabel(head: head, label: label, source: source) }
            return index
        }
        var shapeSets: [Set<Int>] = [], colorSets: [Set<Int>] = [], artists: [Int] = []
        for sample in samples {
            var shapes = Set<Int>(), colors = Set<Int>()
            for object in sample.objects {
                shapes.insert(try look(shapeIndex, object.shape.name, "shape"))
                colors.insert(try look(colorIndex, object.color.name, "colour"))
            }
            shapeSets.append(shapes)
            colorSets.append(colors)
            artists.append(try look(artistIndex, sample.artist.name, "artist"))
        }
        self.shapeSets = shapeSets
        self.colorSets = colorSets
        self.artists = artists
        shapes = Self.multiHot(shapeSets, width: configuration.shapes.count)
        colors = Self.multiHot(colorSets, width: configuration.colors.count)
    }

    public var count: Int { artists.count }

    private static func multiHot(_ sets: [Set<Int>], width: Int) -> Tensor {
        let rows = Tensor(zeros: [sets.count, width])
        for (row, set) in sets.enumerated() {
            for label in set { rows.pointer[row * width + label] = 1 }
        }
        return rows
    }
}
