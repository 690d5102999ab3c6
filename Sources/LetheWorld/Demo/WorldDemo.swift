import Foundation
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheIO
import LetheTensor

/// `lethe demo`: erase concepts from the world's model with three methods and show, judged and in pictures, the
/// erased concept disappearing while the others stay.
///
/// Each erasure has two prompt sets of `prompts` captions in the world's phrasings: prompts naming the erased
/// concept, and prompts naming another concept of the same kind (another shape, colour or artist), the other words
/// of each caption drawn from a seeded stream. Both the base and the erased model draw every caption from the same
/// seed, and the judge says whether the image shows the concept the caption names.
public struct WorldDemo: Sendable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        case rece, uce, fmn

        public var title: String {
            switch self {
            case .rece: "RECE"
            case .uce: "UCE"
            case .fmn: "Forget-Me-Not"
            }
        }
    }

    public struct Erasure: Sendable {
        public var method: Method
        public var concept: WorldConcept

        public init(_ method: Method, _ concept: WorldConcept) {
            self.method = method
            self.concept = concept
        }

        /// The folder name of its erased model and grid: `rece-star`, `uce-ilse-varga`.
        public var slug: String {
            "\(method.rawValue)-\(concept.slug)"
        }
    }

    public var erasures: [Erasure] = [
        Erasure(.rece, .shape(.triangle)),
        Erasure(.uce, .artist(WorldArtist.allCases[0])),
        Erasure(.fmn, .shape(.star)),
    ]
    /// Captions per prompt set (prompts naming the concept, prompts naming others); one image each. 16: with 8, one
    /// image moves a rate by 12.5 points.
    public var prompts = 16
    public var steps = 20
    public var guidanceScale: Float = 5
    public var seed: UInt64 = 0
    /// Forget-Me-Not's settings on the world's model: images of the concept it makes with the base model, steps,
    /// learning rate (its SD default, 2e-6, is for weights trained for months; the world's move further per step).
    /// Measured on the shipped model, 16 prompts a set (an earlier draw of the captions): star 94 % → 38 % with the
    /// other shapes kept (88 % → 88 %) at 5e-4; 6e-4 and up erase no more and cost the other shapes (88 % → 56 %).
    public var fmnImages = 8
    public var fmnSteps = 35
    public var fmnLearningRate = 5e-4
    /// The UNet parameters Forget-Me-Not trains: only the cross-attention ("attn2", the authors' `only_optimize_ca`).
    /// Training the whole of the world's small UNet on the attention loss alone wrecks every picture in a few steps.
    public var fmnTrain = "attn2"

    public init() {}

    /// UCE's (and RECE's) settings for `concept`, keeping every other word of the world. For an artist it erases
    /// the name and four more ways to name one, each with the authors' art templates (`--add-prompts art`): the
    /// paper's variant maps a prompt's rows from its last word on, so the name alone leaves the rows of the words
    /// after it ("Ilse Varga style painting of a ...") as they were. Measured on the shipped model, 16 prompts a set
    /// (an earlier draw of the captions): the name alone 100 % → 62 %, the name with the templates 100 % → 56 %,
    /// these 100 % → 31 %, the other artists kept (81 % → 81 %).
    public static func uceSettings(for concept: WorldConcept) -> UCESettings {
        // What the edit keeps: every other word of the world (shapes, colours and artists). The world's text
        // encoder is 64 wide, so an edit held only to the erased concept's own kind moves the others' keys and
        // values too (measured: RECE on a shape preserving only the other shapes halved how often they were drawn).
        let others = WorldConcept.all.filter { $0 != concept }.map(\.name)
        guard concept.isArtist else { return UCESettings(concepts: [concept.name], preserve: others) }
        let name = concept.name
        var settings = UCESettings(
            concepts: [name, "\(name) style painting of a", "a picture in the style of \(name)", "a drawing by \(name)",
                       "a shape by \(name)"],
            preserve: others)
        settings.addPrompts = .art
        return settings
    }
    /// The captions naming `concept` (`naming: true`) or naming other concepts of its kind, in the world's phrasings.
    public func promptSet(for concept: WorldConcept, naming: Bool) -> [WorldPromptSets.Prompt] {
        let sets = WorldPromptSets(count: prompts, seed: seed, purpose: "world.demo")
        return naming ? sets.naming(concept) : sets.others(concept)
    }

    /// How the demo draws: one image per caption, caption i from seed + i.
    public var drawing: WorldDrawing {
        var drawing = WorldDrawing()
        drawing.steps = steps
        drawing.guidanceScale = guidanceScale
        drawing.seed = seed
        return drawing
    }

    /// The erasure's job, run on `communicator`: it writes the erased model to `output`.
    public func erase(_ erasure: Erasure, model: URL, output: URL, overwrite: Bool, communicator: Communicator,
                      log: @escaping (String) -> Void) throws -> ErasureReport {
        let concept = erasure.concept
        switch erasure.method {
        case .uce, .rece:
            var job = ClosedFormErasureJob(
                model: model, uce: Self.uceSettings(for: concept),
                rece: erasure.method == .rece ? RECESettings(task: concept.isArtist ? .artist : .object) : nil, output: output)
            job.overwrite = overwrite
            return try job.run(communicator: communicator, log: log)
        case .fmn:
            var options = ForgetMeNotOptions(concept: concept.name)
            options.template = concept.isArtist ? .style : .object
            options.steps = fmnSteps
            options.learningRate = fmnLearningRate
            options.train = fmnTrain
            options.seed = seed
            var job = ForgetMeNotJob(model: model, options: options, images: .generated(count: fmnImages, steps: steps), output: output)
            job.overwrite = overwrite
            return try job.run(communicator: communicator, log: log)
        }
    }
}

extension WorldConcept {
    /// What the judge says about an image for concepts of this one's kind: the shapes or colours it sees, or the
    /// artist it names.
    public func judged(_ prediction: WorldJudgePrediction) -> String {
        switch self {
        case .shape: prediction.shape.present.isEmpty ? "no shape" : prediction.shape.present.joined(separator: "+")
        case .color: prediction.color.present.isEmpty ? "no colour" : prediction.color.present.joined(separator: "+")
        case .artist: prediction.artist.top
        }
    }
}
