import Foundation
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor

/// `lethe eval`: how well an erased model forgets concepts of the world and what it costs the rest, judged against
/// its base model, and how easily each concept comes back under attack.
///
/// For every erased concept both models draw the same seeded caption sets (`WorldPromptSets`): captions naming it in
/// the training phrasings (erased rate), in phrasings it was not given (synonym rate) and paraphrased (the paraphrase
/// attack). Against the erased model alone: RECE's closed-form adversarial embedding of each naming caption, solved
/// from both models' cross-attention keys and values, and textual inversion re-learning the concept on the erased
/// model from the base model's pictures of it. Preservation is judged on captions naming none of the erased
/// concepts: the judge's accuracy relative to the base model's, and the Fréchet distance between the two models'
/// pictures in the judge's penultimate features (the world's stand-in for FID).
public struct WorldEvaluation: Sendable {
    public enum Attack: String, Sendable, Codable, CaseIterable {
        case adversarialEmbedding = "adversarial-embedding"
        case textualInversion = "textual-inversion"
        case paraphrase
    }

    public var concepts: [WorldConcept]
    /// Captions per set (naming, unseen, paraphrase, and the preservation set); one image each.
    public var prompts = 16
    public var drawing = WorldDrawing()
    public var attacks = Set(Attack.allCases)
    /// λr of the adversarial embedding: RECE's artist and object default.
    public var adversarialRegularization = RECESettings.Task.object.regularization
    /// Textual inversion's re-learning on the erased model (its own defaults are SD's; the world's embeddings move
    /// further per step).
    public var inversionSteps = 200
    public var inversionLearningRate = 5e-3
    /// Samples per step across all ranks (at least one per rank): 2, so that 1 and 2 ranks train alike.
    public var inversionBatchSize = 2

    public init(concepts: [WorldConcept]) {
        self.concepts = concepts
    }

    public var sets: WorldPromptSets { WorldPromptSets(count: prompts, seed: drawing.seed, purpose: "world.eval") }

    /// The textual-inversion token that stands for `concept` in the attack's captions: `<ilse-varga>`.
    static func placeholder(for concept: WorldConcept) -> String {
        "<\(concept.slug)>"
    }

    /// The word the re-learned token starts from, and the template it trains with.
    static func inversionStart(for concept: WorldConcept) -> (initializer: String, template: PromptTemplate) {
        switch concept {
        case .shape: ("shape", .object)
        case .color: ("color", .object)
        case .artist: ("painting", .style)
        }
    }

    /// Textual inversion of `concept`'s token as the attack and the privacy table run it: the start above, `steps`
    /// at `learningRate`, the drawing's seed, and a batch of at least one sample per rank.
    static func inversionOptions(for concept: WorldConcept, steps: Int, learningRate: Double, seed: UInt64,
                                 batchSize: Int, ranks: Int) -> TextualInversionOptions {
        let start = inversionStart(for: concept)
        var options = TextualInversionOptions(placeholder: placeholder(for: concept), initializer: start.initializer)
        options.template = start.template
        options.steps = steps
        options.learningRate = learningRate
        options.seed = seed
        options.batchSize = max(batchSize, ranks)
        return options
    }
}

/// What `lethe eval` measured: rates over images whose caption names an erased concept are the share the judge
/// says show it; every rate is the mean over the erased concepts.
public struct WorldEvaluationResult: Sendable, Codable, Equatable {
    public struct Attacks: Sendable, Codable, Equatable {
        public var adversarialEmbedding: Double?
        public var textualInversion: Double?
        public var paraphrase: Double?

        enum CodingKeys: String, CodingKey {
            case adversarialEmbedding = "adversarial_embedding"
            case textualInversion = "textual_inversion"
            case paraphrase
        }
    }

    /// One erased concept's rates, erased model and base model side by side.
    public struct Concept: Sendable, Codable, Equatable {
        public var concept: String
        public var kind: String
        public var erasedRate: Double
        public var baselineRate: Double
        public var synonymRate: Double
        public var baselineSynonymRate: Double
        public var attacks: Attacks
        public var baselineParaphrase: Double?
        public var captions: [String: [String]]
        public var grid: String

        enum CodingKeys: String, CodingKey {
            case concept, kind, attacks, captions, grid
            case erasedRate = "erased_rate"
            case baselineRate = "baseline_rate"
            case synonymRate = "synonym_rate"
            case baselineSynonymRate = "baseline_synonym_rate"
            case baselineParaphrase = "baseline_paraphrase"
        }
    }

    public var model: String
    public var baseline: String
    public var concepts: [Concept]
    public var erasedRate: Double
    public var synonymRate: Double
    /// The erased model's judged accuracy on the preservation captions over the base model's.
    public var preservedAccuracy: Double
    public var accuracy: Double
    public var baselineAccuracy: Double
    public var featureDistance: Double
    public var attacks: Attacks
    public var prompts: Int
    public var steps: Int
    public var guidanceScale: Float
    public var seed: UInt64
    public var ranks: Int
    /// Wall-clock seconds per stage.
    public var seconds: [String: Double]
    public var preservationGrid: String

    enum CodingKeys: String, CodingKey {
        case model, baseline, concepts, accuracy, attacks, prompts, steps, seed, ranks, seconds
        case erasedRate = "erased_rate"
        case synonymRate = "synonym_rate"
        case preservedAccuracy = "preserved_accuracy"
        case baselineAccuracy = "baseline_accuracy"
        case featureDistance = "feature_distance"
        case guidanceScale = "guidance_scale"
        case preservationGrid = "preservation_grid"
    }
}

extension WorldEvaluation {
    /// Runs the evaluation of `erased` against `baseline` on `communicator` (images shared out across ranks) and
    /// writes, on rank 0, eval.json, eval.md and the labelled grids to `output` (which must exist). `progress(stage,
    /// done, total)` after each image this rank draws.
    public func run(erased erasedFolder: URL, baseline baselineFolder: URL, judge: WorldJudge, output: URL,
                    communicator: Communicator, log: @escaping (String) -> Void = { _ in },
                    progress: @escaping (String, Int, Int) -> Void = { _, _, _ in }) throws -> WorldEvaluationResult {
        var clock = StageClock()
        let base = try StableDiffusionPipeline(folder: try DiffusersModelFolder(url: baselineFolder))
        let erased = try StableDiffusionPipeline(folder: try DiffusersModelFolder(url: erasedFolder))
        clock.lap("load")
        let sets = self.sets
        let isMain = communicator.rank == 0

        func draw(_ stage: String, _ captions: [String], _ pipeline: StableDiffusionPipeline,
                  embeddings: [Tensor]? = nil) throws -> [ImageRGB8] {
            var done = 0
            let mine = communicator.share(of: captions.count).count
            return try drawing.images(captions, embeddings: embeddings, pipeline: pipeline, communicator: communicator,
                                      progress: { done += 1; progress(stage, done, mine) })
        }
        /// The judge's verdicts on `images` and the share showing what their captions name.
        func rate(_ images: [ImageRGB8], _ prompts: [WorldPromptSets.Prompt]) throws -> (Double, [WorldJudgePrediction]) {
            let verdicts = try judge.predict(images)
            let shown = zip(prompts, verdicts).filter { $0.0.names.isShown(in: $0.1) }.count
            return (Double(shown) / Double(max(prompts.count, 1)), verdicts)
        }

        let adversarial = attacks.contains(.adversarialEmbedding)
            ? try adversarialSolver(erased: erasedFolder, baseline: baselineFolder) : nil
        var rows: [WorldEvaluationResult.Concept] = []
        for concept in concepts {
            let slug = concept.slug
            let naming = sets.naming(concept), unseen = sets.unseen(concept)
            let paraphrases = attacks.contains(.paraphrase) ? sets.paraphrases(concept) : []
            let captions = (naming + unseen + paraphrases).map(\.caption)
            let before = try draw("\(slug) base", captions, base)
            let after = try draw("\(slug) erased", captions, erased)
            clock.lap("draw")
            let (n, u) = (naming.count, unseen.count)
            let all = naming + unseen + paraphrases
            let beforeVerdicts = try judge.predict(before), afterVerdicts = try judge.predict(after)
            func share(_ verdicts: [WorldJudgePrediction], _ range: Range<Int>) -> Double {
                Double(range.filter { all[$0].names.isShown(in: verdicts[$0]) }.count) / Double(max(range.count, 1))
            }
            var attackRates = WorldEvaluationResult.Attacks()
            var gridRows: [LabelledGrid.Row] = [
                .init("base model", images: before, captions: beforeVerdicts.map(concept.judged)),
                .init("erased model", images: after, captions: afterVerdicts.map(concept.judged)),
            ]
            if !paraphrases.isEmpty { attackRates.paraphrase = share(afterVerdicts, (n + u)..<all.count) }
            if let adversarial {
                let embeddings = try adversarialEmbeddings(naming.map(\.caption), solver: adversarial, pipeline: erased)
                clock.lap("adversarial embedding")
                let images = try draw("\(slug) adversarial", naming.map(\.caption), erased, embeddings: embeddings)
                let (value, verdicts) = try rate(images, naming)
                attackRates.adversarialEmbedding = value
                gridRows.append(.init("erased, adversarial embedding", images: images, captions: verdicts.map(concept.judged)))
                clock.lap("draw")
            }
            if attacks.contains(.textualInversion) {
                let images = try inversionAttack(
                    concept, naming: naming, baseImages: Array(before[0..<n]), erased: erasedFolder, output: output,
                    communicator: communicator, log: log, draw: { try draw("\(slug) inversion", $0, $1) }, clock: &clock)
                let (value, verdicts) = try rate(images, naming)
                attackRates.textualInversion = value
                gridRows.append(.init("erased, re-learned token", images: images, captions: verdicts.map(concept.judged)))
            }
            let gridName = "eval-\(slug).png"
            if isMain {
                // Attack rows cover the naming captions only; the grid pads them with blank cells.
                let width = all.count
                let padded = gridRows.map { row in
                    row.images.count == width ? row : LabelledGrid.Row(
                        row.label, images: row.images + [ImageRGB8](repeating: Self.blank(like: row.images[0]), count: width - row.images.count),
                        captions: row.captions + [String](repeating: "", count: width - row.captions.count))
                }
                var groups: [LabelledGrid.ColumnGroup] = [.init("naming \(concept.name)", count: n), .init("phrasings it was not given", count: u)]
                if !paraphrases.isEmpty { groups.append(.init("paraphrases", count: paraphrases.count)) }
                let grid = LabelledGrid(title: "eval: the \(concept.kind) '\(concept.name)' (judged \(concept.kind) under each image)",
                                        columnGroups: groups, rows: padded)
                try grid.render().writePNG(toFile: output.appendingPathComponent(gridName).path)
            }
            rows.append(WorldEvaluationResult.Concept(
                concept: concept.name, kind: concept.kind, erasedRate: share(afterVerdicts, 0..<n),
                baselineRate: share(beforeVerdicts, 0..<n), synonymRate: share(afterVerdicts, n..<(n + u)),
                baselineSynonymRate: share(beforeVerdicts, n..<(n + u)), attacks: attackRates,
                baselineParaphrase: paraphrases.isEmpty ? nil : share(beforeVerdicts, (n + u)..<all.count),
                captions: ["naming": naming.map(\.caption), "unseen": unseen.map(\.caption), "paraphrase": paraphrases.map(\.caption)],
                grid: gridName))
        }

        // Preservation: captions naming none of the erased concepts.
        let unrelated = sets.unrelated(excluding: concepts)
        let baseImages = try draw("preservation base", unrelated.map(\.caption), base)
        let erasedImages = try draw("preservation erased", unrelated.map(\.caption), erased)
        clock.lap("draw")
        func accuracy(_ verdicts: [WorldJudgePrediction]) -> Double {
            let checks = zip(unrelated, verdicts).flatMap { prompt, verdict in prompt.asked.map { $0.isShown(in: verdict) } }
            return Double(checks.filter { $0 }.count) / Double(max(checks.count, 1))
        }
        let baseVerdicts = try judge.predict(baseImages), erasedVerdicts = try judge.predict(erasedImages)
        let baseAccuracy = accuracy(baseVerdicts), erasedAccuracy = accuracy(erasedVerdicts)
        let distance = try FrechetDistance.between(try judge.features(baseImages), try judge.features(erasedImages))
        clock.lap("judge")
        let preservationGrid = "eval-preservation.png"
        if isMain {
            let grid = LabelledGrid(
                title: "eval: captions naming none of the erased concepts (judged shape/colour/artist under each image)",
                columnGroups: [.init("unrelated captions", count: unrelated.count)],
                rows: [.init("base model", images: baseImages, captions: baseVerdicts.map(Self.judgedAll)),
                       .init("erased model", images: erasedImages, captions: erasedVerdicts.map(Self.judgedAll))])
            try grid.render().writePNG(toFile: output.appendingPathComponent(preservationGrid).path)
        }
        func mean(_ values: [Double?]) -> Double? {
            let present = values.compactMap { $0 }
            return present.count == values.count && !present.isEmpty ? present.reduce(0, +) / Double(present.count) : nil
        }
        let result = WorldEvaluationResult(
            model: erasedFolder.path, baseline: baselineFolder.path, concepts: rows,
            erasedRate: mean(rows.map(\.erasedRate)) ?? 0, synonymRate: mean(rows.map(\.synonymRate)) ?? 0,
            preservedAccuracy: baseAccuracy > 0 ? erasedAccuracy / baseAccuracy : 0, accuracy: erasedAccuracy,
            baselineAccuracy: baseAccuracy, featureDistance: distance,
            attacks: .init(adversarialEmbedding: mean(rows.map(\.attacks.adversarialEmbedding)),
                           textualInversion: mean(rows.map(\.attacks.textualInversion)),
                           paraphrase: mean(rows.map(\.attacks.paraphrase))),
            prompts: prompts, steps: drawing.steps, guidanceScale: drawing.guidanceScale, seed: drawing.seed,
            ranks: communicator.size, seconds: clock.laps, preservationGrid: preservationGrid)
        if isMain {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(result).write(to: output.appendingPathComponent("eval.json"), options: .atomic)
            try Data(Self.markdown(result).utf8).write(to: output.appendingPathComponent("eval.md"), options: .atomic)
            let report = WorldEvaluationReport(title: "Lethe eval: \(erasedFolder.lastPathComponent)",
                                               entries: [WorldEvaluationReport.Entry(result: result, folder: output)])
            try Data(try report.html().utf8).write(to: output.appendingPathComponent("report.html"), options: .atomic)
        }
        return result
    }

    /// The method an erased model's erasure-report.json names, as the papers spell it ("UCE", "RECE",
    /// "Forget-Me-Not"), or "unerased" for a model without one.
    public static func method(of folder: URL) -> String {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("erasure-report.json")),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let method = object["method"] as? String else { return "unerased" }
        return ["uce": "UCE", "rece": "RECE", "forget-me-not": "Forget-Me-Not"][method] ?? method
    }

    /// An empty cell of a grid row: the grid's own paper colour.
    static func blank(like image: ImageRGB8) -> ImageRGB8 {
        ImageRGB8(width: image.width, height: image.height, pixels: [UInt8](repeating: 255, count: image.pixels.count))
    }

    /// "circle red Ilse Varga": what the judge sees, for the preservation grid.
    static func judgedAll(_ prediction: WorldJudgePrediction) -> String {
        [WorldConcept.shape(.circle).judged(prediction), WorldConcept.color(.red).judged(prediction), prediction.artist.top]
            .joined(separator: " ")
    }
}
