import Foundation
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels

/// The world's privacy–utility table: how well differentially private textual inversion still captures a concept,
/// judged, at several ε and for private sets of several sizes.
///
/// The private images are the world's own training pictures of the concept (single-object samples of the train
/// split showing the shape, in the colour or by the artist; the smaller sets are the first pictures of the larger).
/// For each set size a token is learned without privacy and at each ε (DP-SGD with the σ Opacus's
/// `get_noise_multiplier` finds for it), with the textual-inversion settings of `lethe eval`'s attack but a larger
/// batch, since DP-SGD's noise is added to a batch's sum: the expected batch divides it. Each token then stands for
/// the concept's word in seeded captions naming it, the model draws them, and the judge says how often the concept
/// is shown. Two rows bound the table: the captions with the concept's own word (what the model draws when asked
/// plainly) and with the word the token starts from (what an untrained token draws).
public struct WorldPrivacyUtility: Sendable {
    public var concept: WorldConcept
    /// The private sets' sizes, smallest first.
    public var imageCounts = [30, 300]
    /// The ε of each private run, largest first; every run also has a non-private twin.
    public var epsilons: [Double] = [8, 1, 0.1]
    /// δ; nil: 1 / (10 N) for N images.
    public var delta: Double?
    /// C: each example's gradient-norm bound. The world's token gradients are 0.001–0.1; 0.01 clips most.
    public var maxGradientNorm = 0.01
    public var steps = 200
    public var learningRate = 5e-3
    /// The expected batch (Poisson sampling in the private runs), at least the number of ranks.
    public var batchSize = 8
    /// Captions naming the concept, one image each.
    public var prompts = 32
    public var drawing = WorldDrawing()
    /// Seeds the noise and the sampling of the private runs; nil: a secret one each (only a reproduction needs one).
    public var privacySeed: UInt64?

    public init(concept: WorldConcept) {
        self.concept = concept
    }

    /// One row of the table: a way of standing for the concept in the captions, and how often the judge saw it.
    public struct Row: Sendable, Codable, Equatable {
        /// "the word 'triangle'", "untrained token ('shape')", "no privacy", "ε = 1".
        public var label: String
        /// The private images the token learned from; nil for the two bounding rows.
        public var images: Int?
        /// The run's (ε, δ) and σ as its report states them; nil without privacy.
        public var epsilon: Double?
        public var targetEpsilon: Double?
        public var delta: Double?
        public var noiseMultiplier: Double?
        public var rate: Double
        /// The learned embedding, relative to the output folder.
        public var embedding: String?

        enum CodingKeys: String, CodingKey {
            case label, images, epsilon, delta, rate, embedding
            case targetEpsilon = "target_epsilon"
            case noiseMultiplier = "noise_multiplier"
        }
    }

    public struct Result: Sendable, Codable, Equatable {
        public var concept: String
        public var kind: String
        public var rows: [Row]
        public var captions: [String]
        public var steps: Int
        public var learningRate: Double
        public var batchSize: Int
        public var maxGradientNorm: Double
        public var drawingSteps: Int
        public var guidanceScale: Float
        public var seed: UInt64
        public var ranks: Int
        public var grid: String
        /// Wall-clock seconds per stage.
        public var seconds: [String: Double]

        enum CodingKeys: String, CodingKey {
            case concept, kind, rows, captions, steps, seed, ranks, grid, seconds
            case learningRate = "learning_rate"
            case batchSize = "batch_size"
            case maxGradientNorm = "max_grad_norm"
            case drawingSteps = "drawing_steps"
            case guidanceScale = "guidance_scale"
        }
    }

    public var sets: WorldPromptSets { WorldPromptSets(count: prompts, seed: drawing.seed, purpose: "world.privacy") }

    /// The first `count` single-object samples of the concept in the world's train split (seeded by the drawing
    /// seed): the private pictures, drawn at the world's 64 px.
    public func privateSamples(count: Int) -> [WorldSample] {
        let dataset = WorldDataset(seed: drawing.seed &+ 2000, split: .train)
        var samples: [WorldSample] = []
        var index = 0
        while samples.count < count {
            let sample = dataset.sample(at: index)
            index += 1
            guard sample.objects.count == 1 else { continue }
            let shows = switch concept {
            case .shape(let shape): sample.shape == shape
            case .color(let color): sample.color == color
            case .artist(let artist): sample.artist == artist
            }
            if shows { samples.append(sample) }
        }
        return samples
    }

    /// Runs the table on `communicator` (the training and the drawing shared out across ranks) and writes, on rank
    /// 0, privacy.json, privacy.md, the labelled grid, the private images (`images/`) and the learned embeddings
    /// (`embeddings/`) to `output` (which must exist). `progress(stage, done, total)` after each step or image.
    public func run(model: URL, judge: WorldJudge, output: URL, communicator: Communicator,
                    log: @escaping (String) -> Void = { _ in },
                    progress: @escaping (String, Int, Int) -> Void = { _, _, _ in }) throws -> Result {
        var clock = StageClock()
        let isMain = communicator.rank == 0
        let pipeline = try StableDiffusionPipeline(folder: try DiffusersModelFolder(url: model))
        let naming = sets.naming(concept)
        let start = WorldEvaluation.inversionStart(for: concept)

        func judgedRow(_ label: String, _ captions: [String], _ pipeline: StableDiffusionPipeline)
            throws -> (rate: Double, row: LabelledGrid.Row) {
            var done = 0
            let mine = communicator.share(of: captions.count).count
            let images = try drawing.images(captions, pipeline: pipeline, communicator: communicator,
                                            progress: { done += 1; progress("draw \(label)", done, mine) })
            let verdicts = try judge.predict(images)
            let shown = verdicts.filter { concept.isShown(in: $0) }.count
            clock.lap("draw")
            // The grid's bitmap font is ASCII.
            let gridLabel = label.replacingOccurrences(of: "ε", with: "eps")
            return (Double(shown) / Double(max(captions.count, 1)), .init(gridLabel, images: images, captions: verdicts.map(concept.judged)))
        }

        var rows: [Row] = []
        var gridRows: [LabelledGrid.Row] = []
        let plain = try judgedRow("the word '\(concept.name)'", naming.map(\.caption), pipeline)
        rows.append(Row(label: "the word '\(concept.name)'", rate: plain.rate))
        gridRows.append(plain.row)
        let untrainedLabel = "untrained token ('\(start.initializer)')"
        let untrained = try judgedRow(untrainedLabel, WorldEvaluation.inversionCaptions(
            naming.map(\.caption), concept: concept, replacement: start.initializer), pipeline)
        rows.append(Row(label: untrainedLabel, rate: untrained.rate))
        gridRows.append(untrained.row)

        let captions = WorldEvaluation.inversionCaptions(naming.map(\.caption), concept: concept)
        log("captions: " + captions.joined(separator: " | "))
        let embeddings = output.appendingPathComponent("embeddings")
        if isMain { try FileManager.default.createDirectory(at: embeddings, withIntermediateDirectories: true) }
        for count in imageCounts {
            let images = output.appendingPathComponent("images-\(count)")
            if isMain {
                try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
                let renderer = WorldRenderer(size: 64)
                for (index, sample) in privateSamples(count: count).enumerated() {
                    try renderer.draw(sample).image.writePNG(toFile: images.appendingPathComponent(String(format: "%04d.png", index)).path)
                }
            }
            try communicator.barrier()
            clock.lap("private images")
            for epsilon in [nil] + epsilons.map(Optional.some) {
                let label = epsilon.map { "\(count) images, ε = \(Self.format($0))" } ?? "\(count) images, no privacy"
                var options = WorldEvaluation.inversionOptions(for: concept, steps: steps, learningRate: learningRate,
                                                               seed: drawing.seed, batchSize: batchSize,
                                                               ranks: communicator.size)
                options.privacy = epsilon.map {
                    PrivacySettings(maxGradientNorm: maxGradientNorm, targetEpsilon: $0, delta: delta, seed: privacySeed)
                }
                let name = "\(count)-images-" + (epsilon.map { "epsilon-\(Self.format($0))" } ?? "no-privacy")
                let file = embeddings.appendingPathComponent("\(name).safetensors")
                var job = TextualInversionJob(model: model, options: options, images: images.path, output: file)
                job.overwrite = true
                var training = TextualInversionJob.Progress()
                training.step = { done, _ in progress("invert \(label)", done, steps) }
                log("textual inversion: \(label)")
                let report = try job.run(communicator: communicator, log: log, progress: training)
                try communicator.barrier()
                clock.lap("textual inversion")
                let learned = try LearnedEmbeddings(contentsOf: file)
                let drawn = try judgedRow(label, captions, try StableDiffusionPipeline(
                    folder: try DiffusersModelFolder(url: model), embeddings: [learned]))
                let privacy = report.training?.privacy
                rows.append(Row(label: label, images: count, epsilon: privacy?.epsilon, targetEpsilon: privacy?.targetEpsilon,
                                delta: privacy?.delta, noiseMultiplier: privacy?.noiseMultiplier, rate: drawn.rate,
                                embedding: "embeddings/\(name).safetensors"))
                gridRows.append(drawn.row)
            }
        }

        let grid = "privacy-\(concept.slug).png"
        let result = Result(concept: concept.name, kind: concept.kind, rows: rows, captions: captions, steps: steps,
                            learningRate: learningRate, batchSize: max(batchSize, communicator.size),
                            maxGradientNorm: maxGradientNorm, drawingSteps: drawing.steps,
                            guidanceScale: drawing.guidanceScale, seed: drawing.seed, ranks: communicator.size,
                            grid: grid, seconds: clock.laps)
        if isMain {
            try LabelledGrid(
                title: "privacy: textual inversion of the \(concept.kind) '\(concept.name)' (judged \(concept.kind) under each image)",
                columnGroups: [.init("captions naming \(concept.name), its word replaced", count: captions.count)],
                rows: gridRows
            ).render().writePNG(toFile: output.appendingPathComponent(grid).path)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(result).write(to: output.appendingPathComponent("privacy.json"), options: .atomic)
            try Data(Self.markdown(result).utf8).write(to: output.appendingPathComponent("privacy.md"), options: .atomic)
        }
        return result
    }

    /// ε as the table shows it: 8, 1, 0.1.
    static func format(_ epsilon: Double) -> String { String(format: "%g", epsilon) }

    /// The table: one row per way of standing for the concept.
    public static func table(_ result: Result) -> [String] {
        var lines = ["| \(result.kind) '\(result.concept)' drawn from | images | ε (δ) | σ | judged \(result.kind) shown |",
                     "|---|---|---|---|---|"]
        for row in result.rows {
            let privacy = row.epsilon.map { epsilon in
                String(format: "%.4g (%.1e)", epsilon, row.delta ?? 0)
            } ?? (row.images == nil ? "" : "∞ (no privacy)")
            let sigma = row.noiseMultiplier.map { String(format: "%.3g", $0) } ?? ""
            lines.append(String(format: "| %@ | %@ | %@ | %@ | %.0f %% |", row.label, row.images.map(String.init) ?? "",
                                privacy, sigma, 100 * row.rate))
        }
        return lines
    }

    static func markdown(_ result: Result) -> String {
        """
        # Privacy and utility: textual inversion of the \(result.kind) '\(result.concept)'

        Each token learned for \(result.steps) steps at lr \(Self.format(result.learningRate)), expected batch \
        \(result.batchSize), each example's gradient clipped to \(Self.format(result.maxGradientNorm)) in the private \
        runs (Poisson sampling, Opacus's RDP accountant); \(result.captions.count) captions naming the \(result.kind), \
        its word replaced by the token, one image each (\(result.drawingSteps)-step DDIM, guidance \
        \(Self.format(Double(result.guidanceScale))), seed \(result.seed)), judged by the world's judge.

        \(table(result).joined(separator: "\n"))

        ![grid](\(result.grid))

        """
    }
}
