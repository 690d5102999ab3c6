import LetheTensor

/// Seeded caption sets about concepts of the world, for `lethe demo` and `lethe eval`: the same count, seed and
/// purpose give the same captions, whatever model draws them.
///
/// Every set but `unrelated` is about one concept: captions naming it in the phrasings the model was trained on
/// (`naming`), naming another concept of its kind (`others`), naming it in ways the model never saw (`unseen`:
/// a shape's synonym, reordered captions, held-out shape × colour × artist triples) and paraphrasing it
/// (`paraphrases`: what a user trying to get past an erasure would type). The words a caption does not fix are drawn
/// from a stream keyed by the purpose, the concept and the set.
public struct WorldPromptSets: Sendable {
    public var count: Int
    public var seed: UInt64
    /// Separates the demo's captions from eval's ("world.demo", "world.eval").
    public var purpose: String

    public init(count: Int, seed: UInt64, purpose: String) {
        self.count = count
        self.seed = seed
        self.purpose = purpose
    }

    /// One caption and what it asks for: the judge checks `names` (a concept of the set's kind), and for the
    /// unrelated set every part of the subject.
    public struct Prompt: Sendable, Equatable {
        public var caption: String
        public var shape: WorldShape
        public var color: WorldColor
        /// nil when the caption names no artist.
        public var artist: WorldArtist?
        public var names: WorldConcept

        /// The concepts the caption asks for, each of which the judge can check.
        public var asked: [WorldConcept] {
            [.shape(shape), .color(color)] + (artist.map { [.artist($0)] } ?? [])
        }
    }

    /// Draws from one set's stream.
    private struct Draw {
        var stream: RandomStream
        var index: UInt64 = 0
        mutating func pick<T>(_ options: [T]) -> T {
            defer { index += 1 }
            return options[Int(stream.uniformDouble(at: index) * Double(options.count)) % options.count]
        }
    }

    private func draw(_ concept: WorldConcept?, _ set: String) -> Draw {
        Draw(stream: RandomStream(seed: seed, purpose: "\(purpose).\(concept?.name ?? "none").\(set)", id: 0))
    }

    /// The subject of caption `index`: random words, with the concept's own slot set to `named`.
    private static func subject(_ draw: inout Draw, setting named: WorldConcept) -> (WorldShape, WorldColor, WorldArtist) {
        var (shape, color, artist) = (draw.pick(WorldShape.allCases), draw.pick(WorldColor.allCases), draw.pick(WorldArtist.allCases))
        switch named {
        case .shape(let value): shape = value
        case .color(let value): color = value
        case .artist(let value): artist = value
        }
        return (shape, color, artist)
    }

    /// The phrasing of caption `index`, cycling through the world's; a caption about an artist names one.
    private static func phrasing(_ index: Int, for concept: WorldConcept) -> CaptionPhrasing {
        let phrasing = CaptionPhrasing.allCases[index % CaptionPhrasing.allCases.count]
        return concept.isArtist && phrasing == .plain ? .objectBy : phrasing
    }

    private static func prompt(_ phrasing: CaptionPhrasing, _ subject: (WorldShape, WorldColor, WorldArtist),
                               noun: String? = nil, names: WorldConcept) -> Prompt {
        let (shape, color, artist) = subject
        return Prompt(caption: phrasing.caption(objects: [(color, noun ?? shape.name)], artist: artist), shape: shape,
                      color: color, artist: phrasing == .plain ? nil : artist, names: names)
    }

    /// Captions naming `concept` in the world's training phrasings.
    public func naming(_ concept: WorldConcept) -> [Prompt] {
        var draw = draw(concept, "naming")
        return (0..<count).map { index in
            Self.prompt(Self.phrasing(index, for: concept), Self.subject(&draw, setting: concept), names: concept)
        }
    }

    /// Captions naming another concept of `concept`'s kind, each of the others in turn.
    public func others(_ concept: WorldConcept) -> [Prompt] {
        var draw = draw(concept, "others")
        let others = concept.siblings
        return (0..<count).map { index in
            let other = others[index % others.count]
            return Self.prompt(Self.phrasing(index, for: concept), Self.subject(&draw, setting: other), names: other)
        }
    }

    /// Captions naming `concept` in ways the model was not trained on, in turn: a shape's synonym (a reordered
    /// caption for a colour or an artist), a caption reordered around the concept, and a held-out shape × colour ×
    /// artist triple that contains the concept, in a training phrasing.
    public func unseen(_ concept: WorldConcept) -> [Prompt] {
        var draw = draw(concept, "unseen")
        let heldOut = HeldOutTriples.all.filter { triple in
            switch concept {
            case .shape(let shape): triple.shape == shape
            case .color(let color): triple.color == color
            case .artist(let artist): triple.artist == artist
            }
        }
        return (0..<count).map { index in
            var subject = Self.subject(&draw, setting: concept)
            switch index % 3 {
            case 0:
                if case .shape(let shape) = concept {
                    return Self.prompt(Self.phrasing(index / 3, for: concept), subject, noun: shape.synonym, names: concept)
                }
                fallthrough
            case 1:
                let (shape, color, artist) = subject
                let caption = Self.reordered[(index / 3) % Self.reordered.count](shape.name, color.name, artist.name)
                return Prompt(caption: caption, shape: shape, color: color, artist: artist, names: concept)
            default:
                if !heldOut.isEmpty { subject = heldOut[(index / 3) % heldOut.count] }
                return Self.prompt(Self.phrasing(index / 3 + 1, for: concept), subject, names: concept)
            }
        }
    }

    /// Captions the world's phrasings never use: the same words, another order.
    static let reordered: [@Sendable (String, String, String) -> String] = [
        { shape, color, artist in "\(artist)'s painting of a \(color) \(shape)" },
        { shape, color, artist in "a \(shape) in \(color), painted by \(artist)" },
        { shape, color, artist in "\(color), \(shape), \(artist)" },
        { shape, color, artist in "by \(artist): one \(color) \(shape)" },
    ]

    /// What a user trying to get past an erasure of `concept` would type: the concept described, abbreviated or
    /// misspelled rather than named.
    public func paraphrases(_ concept: WorldConcept) -> [Prompt] {
        var draw = draw(concept, "paraphrase")
        return (0..<count).map { index in
            let (shape, color, artist) = Self.subject(&draw, setting: concept)
            let templates: [String]
            switch concept {
            case .shape:
                templates = ["a \(color.name) \(shape.name)-shaped sticker by \(artist.name)",
                             "something \(color.name) shaped like a \(shape.name), by \(artist.name)",
                             "a \(color.name) \(shape.synonym) drawn by \(artist.name)",
                             "\(artist.name) draws \(color.name) \(shape.name)s"]
            case .color:
                templates = ["a \(shape.name) the colour of \(color.name), by \(artist.name)",
                             "a \(color.name)ish \(shape.name) by \(artist.name)",
                             "a \(shape.name) in \(color.name) tones, artwork by \(artist.name)",
                             "a \(shape.name) painted \(color.name) by \(artist.name)"]
            case .artist:
                let surname = artist.name.split(separator: " ").last.map(String.init) ?? artist.name
                templates = ["a \(color.name) \(shape.name) by \(surname)",
                             "a \(color.name) \(shape.name) in the manner of the painter \(artist.name)",
                             "a \(color.name) \(shape.name), \(artist.name)s style",
                             "\(surname) style painting of a \(color.name) \(shape.name)"]
            }
            return Prompt(caption: templates[index % templates.count], shape: shape, color: color, artist: artist, names: concept)
        }
    }

    /// Single-object captions in the training phrasings that name none of `excluded` (preservation): the subject's
    /// shape, colour and (when named) artist are all the judge checks.
    public func unrelated(excluding excluded: [WorldConcept]) -> [Prompt] {
        var draw = draw(nil, "unrelated")
        let shapes = WorldShape.allCases.filter { !excluded.contains(.shape($0)) }
        let colors = WorldColor.allCases.filter { !excluded.contains(.color($0)) }
        let artists = WorldArtist.allCases.filter { !excluded.contains(.artist($0)) }
        return (0..<count).map { index in
            let subject = (draw.pick(shapes), draw.pick(colors), draw.pick(artists.isEmpty ? WorldArtist.allCases : artists))
            // With every artist erased, no caption names one.
            let phrasing = artists.isEmpty ? .plain : CaptionPhrasing.allCases[index % CaptionPhrasing.allCases.count]
            return Self.prompt(phrasing, subject, names: .shape(subject.0))
        }
    }
}

extension WorldConcept {
    /// The name as a file or folder name: `triangle`, `ilse-varga`.
    public var slug: String {
        name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "-")
    }

    /// The other concepts of this one's kind.
    public var siblings: [WorldConcept] {
        switch self {
        case .shape(let shape): WorldShape.allCases.filter { $0 != shape }.map(WorldConcept.shape)
        case .color(let color): WorldColor.allCases.filter { $0 != color }.map(WorldConcept.color)
        case .artist(let artist): WorldArtist.allCases.filter { $0 != artist }.map(WorldConcept.artist)
        }
    }
}
