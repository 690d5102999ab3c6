import Foundation
import LetheDistributed
import LetheIO
import LetheModels
import LetheTelemetry
import LetheTensor

/// A UCE or RECE job from a diffusers folder to an erased diffusers folder with its report, on one process or
/// across MPI ranks: prompts are encoded where their chunk is owned, Gram matrices are summed in a fixed order in
/// float64, each key/value matrix is solved by one owner rank and shared. Every rank ends with the same weights,
/// bit for bit, for any number of ranks; rank 0 alone measures attention and writes.
public struct ClosedFormErasureJob {
    public var model: URL
    public var variant: String?
    public var uce: UCESettings
    /// nil: UCE only.
    public var rece: RECESettings?
    public var output: URL
    public var overwrite = false
    /// Inputs besides the model that the output may not overwrite (a prompt list, the job file).
    public var inputs: [OutputGuard.Input] = []
    /// nil: skip the attention-mass measurement (one UNet forward before and after on rank 0).
    public var probe: AttentionMassProbe? = AttentionMassProbe()
    /// Which Hugging Face tokenizer the prompts are tokenised as (default: transformers 5's).
    public var tokenizerCompatibility = CLIPTokenizer.defaultCompatibility

    public init(model: URL, uce: UCESettings, rece: RECESettings?, output: URL) {
        self.model = model
        self.uce = uce
        self.rece = rece
        self.output = output
    }

    /// Runs the job; `log` receives progress lines (call it only on rank 0 to print once).
    ///
    /// Everything that decides the weights runs with one BLAS thread per rank: OpenBLAS's results depend on its
    /// thread count, which MPI's CPU binding changes with the number of ranks. Parallelism comes from the ranks.
    public func run(communicator: Communicator, log: (String) -> Void = { _ in }) throws -> ErasureReport {
        try BLASThreads.with(1) { try runReproducibly(communicator: communicator, log: log) }
    }

    private func runReproducibly(communicator world: Communicator, log: (String) -> Void) throws -> ErasureReport {
        // Each rank spreads its work items over its cores (one BLAS thread each): items are independent, so the
        // threads change the speed, not the bits.
        let communicator = try world.withItemWorkersOnLocalCores()
        var clock = StageClock()
        let folder = try DiffusersModelFolder(url: model, variant: variant)
        // Rank 0 writes; it checks the output and the components it will copy before any work (a failure there
        // ends every rank, see the command line's job failure).
        let writer = communicator.rank == 0
            ? try ErasedModelWriter(source: folder, destination: output, overwrite: overwrite, inputs: inputs) : nil
        let tokenizer = try CLIPTokenizer(folder: folder.componentFolder("tokenizer"), compatibility: tokenizerCompatibility)
        // As diffusers and the authors' code: prompts past 77 tokens are cut, with the pipeline's warning (rank 0).
        for warning in uce.truncationWarnings(tokenizer: tokenizer) { log("warning: \(warning)") }
        let textEncoder = try CLIPTextModel(folder: folder)
        let encoder = PromptEncoder(tokenizer: tokenizer, textEncoder: textEncoder, communicator: communicator)
        // Bad prompts fail before the UNet's gigabytes are read.
        try ClosedFormErasure.validate(uce: uce, rece: rece, encoder: encoder)
        let (unet, store) = try UNet2DConditionModel.loadWithWeights(from: folder)
        let erasure = ClosedFormErasure(
            uce: uce, rece: rece, encoder: encoder, projections: try CrossAttentionProjections(store: store, model: model.path))
        try erasure.validateWidth()
        clock.lap("load")
        log("loaded \(model.lastPathComponent): \(erasure.projections.projections.count) key/value projections, width \(erasure.projections.hiddenSize)")

        var before: [Double]?
        let outcome = try erasure.run(log: log, stage: { clock.lap($0) }) { concepts in
            before = try probe.map { probe in
                communicator.rank == 0 ? try concepts.map { try probe.mass(unet: unet, prompt: $0) } : []
            }
            // The other ranks wait for rank 0's UNet passes (as long as they take) before the next collective.
            if probe != nil { try Watchdog.idle(when: communicator.rank != 0) { try communicator.barrier() } }
            clock.lap("attention_before")
        }
        let concepts = outcome.concepts
        let metrics = try EditMetrics.measure(
            pairs: outcome.pairs, preserveGram: uce.retainedPrompts.isEmpty ? nil : outcome.preserveGram,
            original: outcome.original, projections: erasure.projections, communicator: communicator)
        let after = try probe.map { probe in
            communicator.rank == 0 ? try concepts.map { try probe.mass(unet: unet, prompt: $0) } : []
        }
        if probe != nil { try Watchdog.idle(when: communicator.rank != 0) { try communicator.barrier() } }
        clock.lap("metrics")
        let recoveries = outcome.recoveries

        var report = ErasureReport(method: rece == nil ? "uce" : "rece", model: model.path, ranks: communicator.size)
        report.concepts = concepts.indices.map { index in
            ErasureReport.Concept(
                concept: uce.concepts[index], guide: uce.guide(for: index), erasureRatio: metrics.erasureRatios[index],
                attentionMassBefore: before?.indices.contains(index) == true ? before![index] : nil,
                attentionMassAfter: after?.indices.contains(index) == true ? after![index] : nil,
                recovery: recoveries?[index])
        }
        report.preservedDrift = metrics.preservedDrift
        report.preservedPrompts = uce.retainedPrompts
        report.settings = settingsSummary()
        guard var writer else { return report }
        clock.lap("report")
        return try writer.commit(unet: store, report: report, clock: &clock)
    }

    private func settingsSummary() -> [String: String] {
        var settings: [String: String] = [
            "lamb": "\(uce.lambda)", "erase_scale": "\(uce.eraseScale)",
            "preserve_scale": "\(uce.resolvedPreserveScale)", "technique": uce.technique.rawValue,
            "variant": uce.variant.rawValue,
        ]
        if let expansion = uce.addPrompts { settings["add_prompts"] = expansion.rawValue }
        if let rece {
            settings["rece_epochs"] = "\(rece.epochs)"
            settings["rece_reg"] = "\(rece.regularization)"
            settings["rece_lamb"] = "\(rece.lambda)"
            settings["rece_erase_scale"] = "\(rece.eraseScale)"
            settings["rece_preserve_scale"] = "\(rece.preserveScale)"
            settings["rece_technique"] = rece.technique.rawValue
            settings["rece_variant"] = rece.variant.rawValue
            if rece.variant == .surrogatereg { settings["rece_reg_item"] = rece.surrogateTerms.rawValue }
        }
        return settings
    }
}

/// Wall-clock seconds per named stage; each stage is also a span of the trace.
public struct StageClock {
    private var last = Date()
    private var lastInstant = TelemetryClock.monotonic()
    public private(set) var laps: [String: Double] = [:]

    public init() {}

    public mutating func lap(_ name: String) {
        let now = Date()
        laps[name, default: 0] += now.timeIntervalSince(last)
        last = now
        let instant = TelemetryClock.monotonic()
        Activity.record(.stage, name, start: lastInstant, end: instant)
        lastInstant = instant
    }
}
