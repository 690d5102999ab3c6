import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure
import LetheModels
import LetheTensor

/// The options `lethe bench uce` and `lethe bench rece` share, and the timed run.
struct ClosedFormBenchOptions: ParsableArguments {
    @Option(help: "Architecture: sd15 (CLIP ViT-L/14 text encoder, SD 1.x cross-attention), sd21 or tiny.")
    var preset: RandomPipelinePreset = .sd15

    @Option(help: "Concepts erased in one edit.")
    var concepts = 1

    @Option(help: "Prompts to preserve besides \"\" (synthetic artist names).")
    var preserve = 0

    @Option(help: "Timed runs; the best is reported.")
    var iterations = 3

    @Flag(help: "Print one JSON line.")
    var json = false

    func validate() throws {
        guard concepts >= 1, preserve >= 0, iterations >= 1 else {
            throw ValidationError("--concepts and --iterations must be at least 1, --preserve at least 0")
        }
    }

    /// Builds a random text encoder and the preset's attn2 key/value projections (not timed), then times the edit
    /// (prompt encoding, UCE, RECE's epochs, writing the weights) on every rank; prints on rank 0.
    func run(method: String, rece: RECESettings?) throws {
        let world = try Communicator.world().withItemWorkersOnLocalCores()
        let preset = self.preset
        let textConfiguration = try preset.textEncoderConfiguration()
        let (textEncoder, _) = try WeightStore.random(seed: 1) { try CLIPTextModel(configuration: textConfiguration, weights: $0) }
        let tokenizer = try CLIPTokenizer.bundledCLIP(padToken: preset.padToken)
        let conceptPrompts = ["nudity"] + (1..<concepts).map { "concept number \($0)" }
        let uce = UCESettings(concepts: conceptPrompts, preserve: (0..<preserve).map { "a painting by artist number \($0)" })

        var best: [String: Double] = [:]
        var totals: [Double] = []
        var matrices = 0
        for _ in 0..<iterations {
            let projections = try Self.randomProjections(preset)
            // A new encoder each time: its cache of prompt embeddings must not carry over between runs.
            let encoder = PromptEncoder(tokenizer: tokenizer, textEncoder: textEncoder, communicator: world)
            matrices = projections.projections.count
            let erasure = ClosedFormErasure(uce: uce, rece: rece, encoder: encoder, projections: projections)
            try erasure.validate()
            var laps: [String: Double] = [:]
            var last = Date()
            let start = last
            try world.barrier()
            _ = try BLASThreads.with(1) {
                try erasure.run(stage: { name in
                    laps[name] = Date().timeIntervalSince(last)
                    last = Date()
                })
            }
            try world.barrier()
            let total = Date().timeIntervalSince(start)
            if total < (totals.min() ?? .infinity) { best = laps }
            totals.append(total)
        }
        guard world.rank == 0 else { return }
        let seconds = totals.min() ?? 0
        if json {
            var line: [String: Any] = [
                "implementation": "Lethe", "method": method, "preset": preset.rawValue, "ranks": world.size,
                "concepts": concepts, "preserve": preserve, "seconds": seconds, "all_seconds": totals,
                "stages": best, "matrices": matrices, "epochs": rece?.epochs ?? 0, "threads_per_rank": world.itemWorkers,
            ]
            line["peak_rss_bytes"] = PeakMemory.residentBytes()
            print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
        } else {
            let stages = best.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f s", $0.key, $0.value) }
            print(String(format: "Lethe %@ %@: %d concept(s), %d preserved prompt(s), %d epoch(s), %d key/value matrices, %d rank(s) × %d thread(s)\n  %.3f s (best of %d; %@), peak RSS %.2f GiB",
                         method, preset.rawValue, concepts, preserve, rece?.epochs ?? 0, matrices, world.size, world.itemWorkers, seconds,
                         totals.count, stages.joined(separator: ", "), Double(PeakMemory.residentBytes()) / Double(1 << 30)))
        }
    }

    /// Random attn2 to_k/to_v matrices with the preset UNet's shapes (the rest of the UNet is not built).
    static func randomProjections(_ preset: RandomPipelinePreset) throws -> CrossAttentionProjections {
        let plan = WeightStore(source: .planning)
        _ = try UNet2DConditionModel(configuration: preset.unetConfiguration(), weights: plan)
        let layout = plan.layout.filter { $0.name.hasSuffix(".attn2.to_k.weight") || $0.name.hasSuffix(".attn2.to_v.weight") }
        let store = WeightStore(source: .random(RandomStream(seed: 0, purpose: "weights", id: 0), layout: layout))
        for entry in layout { _ = try store.tensor(entry.name, shape: entry.shape) }
        return try CrossAttentionProjections(store: store, model: "preset \(preset.rawValue)")
    }
}

/// `lethe bench rece`.
struct BenchRECE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rece",
        abstract: "Time RECE (UCE, then adversarial epochs) on a Stable Diffusion-sized text encoder and cross-attention with random weights.",
        discussion: """
            Excludes building the models; times prompt encoding, the UCE edit, the epochs and writing the edited \
            weights, with one BLAS thread per rank as the real job. Run under mpirun for the speed-up from more \
            ranks. Scripts/bench/rece.sh runs this beside the authors' algorithm in PyTorch.
            """)

    @OptionGroup var options: ClosedFormBenchOptions

    @Option(help: "Adversarial epochs (the nudity setting is 3).")
    var epochs = 3

    func run() throws {
        var settings = RECESettings(task: .nudity)
        settings.epochs = epochs
        try options.run(method: "rece", rece: settings)
    }
}

/// `lethe bench uce`.
struct BenchUCE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uce",
        abstract: "Time UCE on a Stable Diffusion-sized text encoder and cross-attention with random weights.",
        discussion: "As `lethe bench rece` without the epochs; --preserve 1000 is the paper's 1,000-artist setting.")

    @OptionGroup var options: ClosedFormBenchOptions

    func run() throws {
        try options.run(method: "uce", rece: nil)
    }
}
