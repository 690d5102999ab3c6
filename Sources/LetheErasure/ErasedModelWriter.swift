import Foundation
import LetheIO
import LetheModels
import LetheTelemetry
import LetheTensor

/// Writes an erased model as a complete diffusers folder: every component of the source copied unchanged except
/// the ones whose weights were edited, which are written as full-precision safetensors beside their config.json.
///
/// The folder is assembled under a hidden temporary name beside the destination and renamed into place only when
/// every file is written, so a failed or interrupted job never leaves a half-written model under the final name.
public struct ErasedModelWriter {
    /// The report every erased folder holds; its presence marks a folder Lethe wrote, which `--overwrite` may replace.
    public static let reportName = "erasure-report.json"

    public let source: DiffusersModelFolder
    /// The destination as given (for messages) and resolved (symbolic links and `..`; where the folder is written).
    public let destination: URL
    public let resolvedDestination: String
    public let overwrite: Bool
    private let inputs: [OutputGuard.Input]
    private var replaced: [String: [(String, Tensor)]] = [:]
    private var extraFiles: [(String, Data)] = []

    /// Checks the output before any work: it may not be, contain or lie inside the source model or any other input
    /// (`inputs`: image folders, embeddings, job files), an existing output is replaced only with `overwrite` and
    /// only when it is an erased folder Lethe wrote, and its folder must be writable. Then checks every component
    /// the folder will copy (`copied`: all but the ones whose weights the job replaces), so a broken VAE, text
    /// encoder, tokenizer or scheduler fails now, not after the work or in the user's next pipeline.
    public init(source: DiffusersModelFolder, destination: URL, overwrite: Bool = false,
                inputs: [OutputGuard.Input] = [], replacing components: Set<String> = ["unet"]) throws {
        self.source = source
        self.destination = destination
        self.overwrite = overwrite
        self.inputs = [OutputGuard.Input(source.url.path, role: "source model")] + inputs
        resolvedDestination = try OutputGuard.check(
            output: destination.path, kind: .modelFolder(marker: Self.reportName), inputs: self.inputs, overwrite: overwrite)
        try SourceModelCheck.verify(source, skipping: components)
    }

    /// Replaces a component's weights with `weights` (diffusers names, written in this order's sorted layout).
    public mutating func replaceWeights(of component: String, with weights: [(String, Tensor)]) {
        replaced[component] = weights
    }

    /// Replaces a component's weights with every tensor of a weight store (the model's full parameter set).
    public mutating func replaceWeights(of component: String, with store: WeightStore) {
        replaced[component] = store.namedTensors()
    }

    /// Adds a file at the top of the folder (the erasure report, for example).
    public mutating func addFile(named name: String, contents: Data) {
        extraFiles.append((name, contents))
    }

    /// Writes the erased folder of a job: the UNet's new weights and `report` as erasure-report.json (with the
    /// time so far), then commits; returns the report with the writing time too.
    mutating func commit(unet: WeightStore, report: ErasureReport, clock: inout StageClock) throws -> ErasureReport {
        var report = report
        replaceWeights(of: "unet", with: unet)
        report.timings = clock.laps
        addFile(named: "erasure-report.json", contents: try report.json())
        try Activity.measure(.phase, "writing the output") { try commit() }
        clock.lap("write")
        report.timings = clock.laps
        return report
    }

    /// Writes everything under a temporary name, then renames it to the destination.
    public func commit() throws {
        let staging = try StagingFolder(destination: resolvedDestination)
        try staging.fill { folder in
            try copyUnchangedComponents(into: folder)
            for (component, weights) in replaced.sorted(by: { $0.key < $1.key }) {
                try writeComponent(component, weights: weights, into: folder)
            }
            for (name, contents) in extraFiles {
                try contents.write(to: folder.appendingPathComponent(name), options: .atomic)
            }
        }
        // The destination may have appeared while the job ran: the same rules hold at the rename.
        do {
            try OutputGuard.check(output: destination.path, kind: .modelFolder(marker: Self.reportName), inputs: inputs,
                                  overwrite: overwrite)
            try staging.commit(replacing: overwrite)
        } catch {
            staging.discard()
            throw error
        }
    }

    /// Copies every top-level entry of the source except the replaced components (whose configs are copied below).
    private func copyUnchangedComponents(into staging: URL) throws {
        let fileManager = FileManager.default
        for name in try fileManager.contentsOfDirectory(atPath: source.url.path) where !name.hasPrefix(".") {
            if replaced[name] != nil { continue }
            try fileManager.copyItem(at: source.url.appendingPathComponent(name), to: staging.appendingPathComponent(name))
        }
    }

    /// The component's folder with its non-weight files (config.json and the like) and the new weights, in the
    /// source's format: each tensor in its source dtype (an fp16 model stays fp16) and the source's weights variant
    /// in the file name, so that diffusers loads the folder with the same `variant` as the source.
    private func writeComponent(_ component: String, weights: [(String, Tensor)], into staging: URL) throws {
        let fileManager = FileManager.default
        let sourceFolder = try source.componentFolder(component)
        let folder = staging.appendingPathComponent(component)
        try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        let sourceFiles = try fileManager.contentsOfDirectory(atPath: sourceFolder.path)
        for name in sourceFiles where !Self.isWeightFile(name) && !name.hasPrefix(".") {
            try fileManager.copyItem(at: sourceFolder.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let sourceWeights = try source.weights(of: component)
        let entries = weights.map { name, tensor in
            let dtype = sourceWeights.info(named: name)?.dtype
            return SafeTensorsEntry(name: name, tensor: tensor, dtype: [.f16, .bf16].contains(dtype) ? dtype! : .f32)
        }
        let base = sourceFiles.contains { $0.hasPrefix("model.") } ? "model" : "diffusion_pytorch_model"
        let variant = Self.variant(of: sourceFiles, base: base).map { ".\($0)" } ?? ""
        try SafeTensorsWriter.write(
            entries: entries, metadata: ["format": "pt"], to: folder.appendingPathComponent("\(base)\(variant).safetensors"))
    }

    /// Weight files diffusers or transformers would read: safetensors files, their shard indexes, PyTorch pickles.
    private static func isWeightFile(_ name: String) -> Bool {
        name.hasSuffix(".safetensors") || name.contains(".safetensors.index.") || name.hasSuffix(".safetensors.index.json")
            || name.hasSuffix(".bin")
    }

    /// The weights variant of a component's files: nil when full-precision files exist, else the VARIANT of
    /// `BASE.VARIANT.safetensors` or `BASE.safetensors.index.VARIANT.json`.
    static func variant(of files: [String], base: String) -> String? {
        if files.contains("\(base).safetensors") || files.contains("\(base).safetensors.index.json") { return nil }
        for file in files.sorted() where file.hasPrefix("\(base).safetensors.index.") && file.hasSuffix(".json") {
            let middle = file.dropFirst("\(base).safetensors.index.".count).dropLast(".json".count)
            if !middle.isEmpty { return String(middle) }
        }
        // Unsharded: BASE.VARIANT.safetensors (shards are BASE.VARIANT-00001-of-00004.safetensors).
        for file in files.sorted() where file.hasPrefix("\(base).") && file.hasSuffix(".safetensors") {
            let middle = file.dropFirst(base.count + 1).dropLast(".safetensors".count)
            if !middle.isEmpty, !middle.contains("."), !middle.contains("-of-") { return String(middle) }
        }
        return nil
    }
}
