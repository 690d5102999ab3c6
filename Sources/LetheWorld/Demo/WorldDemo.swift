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
    public typealias Method = WorldErasure.Method

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
    /// Forget-Me-Not's images, steps and learning rate: the world's (`WorldErasure`), which the demo's flags change.
    public var fmnImages = WorldErasure(.fmn, []).fmnImages
    public var fmnSteps = WorldErasure(.fmn, []).fmnSteps
    public var fmnLearningRate = WorldErasure(.fmn, []).fmnLearningRate

    public init() {}

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

    /// The erasure's job, run on `communicator`: it writes the erased model to `output`, with the world's
    /// settings for its method (`WorldErasure`) and the demo's seed and drawing steps.
    public func erase(_ erasure: Erasure, model: URL, output: URL, overwrite: Bool, communicator: Communicator,
                      log: @escaping (String) -> Void) throws -> ErasureReport {
        try worldErasure(erasure).run(model: model, output: output, overwrite: overwrite, communicator: communicator, log: log)
    }

    /// The world's erasure the demo runs for `erasure`.
    public func worldErasure(_ erasure: Erasure) -> WorldErasure {
        var world = WorldErasure(erasure.method, [erasure.concept])
        world.fmnImages = fmnImages
        world.fmnImageSteps = steps
        world.fmnSteps = fmnSteps
        world.fmnLearningRate = fmnLearningRate
        world.seed = seed
        return world
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
