import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheIO
import LetheModels
import LetheTensor

/// Writes what a training job would have written had it ended at a checkpoint's step: for Forget-Me-Not the erased
/// diffusers folder (the base model with the checkpoint's trained UNet tensors, written by `ErasedModelWriter` as
/// the job writes it), for textual inversion the learned-embeddings file with its report. At the job's last step
/// the weights are the job's, bit for bit; the report holds what the checkpoint kept (the steps so far and the
/// settings), not what the job measures after training (Forget-Me-Not's attention mass after).
public struct CheckpointExport {
    /// A step folder, or a checkpoint folder (its newest step that checks out).
    public var checkpoint: String
    /// The base model the checkpoint was trained from: required for Forget-Me-Not (the folder it completes),
    /// checked against the checkpoint's fingerprint when given for textual inversion.
    public var model: URL?
    /// The erased folder (Forget-Me-Not) or the learned-embeddings file (textual inversion, with its report beside
    /// it as `TextualInversionJob.defaultReport(for:)` names it).
    public var output: URL
    public var overwrite = false
    /// The key of an encrypted checkpoint; an exported learned-embeddings file is sealed with it, as the job's was.
    public var key: CheckpointKey?

    /// What was written.
    public struct Result: Sendable {
        public let method: String
        public let step: Int
        /// The step folder the output comes from.
        public let stepFolder: URL
        /// The files or folders written, the main one first.
        public let outputs: [URL]
    }

    /// The methods whose checkpoints export (the manifest's method names).
    public static let methods = ["forget-me-not", "textual-inversion"]

    public init(checkpoint: String, model: URL?, output: URL) {
        self.checkpoint = checkpoint
        self.model = model
        self.output = output
    }

    /// Exports on this process; `log` receives warnings (a damaged newest step, then the step before it is used).
    @discardableResult
    public func run(log: (String) -> Void = { _ in }) throws -> Result {
        var clock = StageClock()
        let given = URL(fileURLWithPath: checkpoint)
        // The trained values are all an export needs; every other tensor's chunks are still checked.
        guard let loaded = try CheckpointFolder(given).resume(
            .path(checkpoint), identity: nil, key: key, communicator: .singleProcess(), log: log,
            reading: { $0.hasPrefix(Self.trainedPrefix) }) else {
            throw CheckpointError.notFound(path: checkpoint)
        }
        let method = loaded.manifest.identity.method
        guard Self.methods.contains(method) else {
            throw CheckpointExportError.unknownMethod(path: loaded.url.path, method: method)
        }
        if let model {
            let hash = try ModelFingerprint.hash(folder: model)
            guard hash == loaded.manifest.identity.baseModelHash else {
                throw CheckpointExportError.otherBaseModel(checkpoint: loaded.url.path, saved: loaded.manifest.identity.baseModelHash,
                                                           model: model.path, found: hash)
            }
        }
        // The output may not be, hold or lie in the checkpoint (the step, or the folder of steps it is in).
        var inputs = [OutputGuard.Input(loaded.url.path, role: "checkpoint")]
        if loaded.url.standardizedFileURL != given.standardizedFileURL {
            inputs.append(OutputGuard.Input(given.path, role: "checkpoint folder"))
        } else {
            inputs.append(OutputGuard.Input(given.deletingLastPathComponent().path, role: "checkpoint folder"))
        }
        clock.lap("load")
        let outputs = method == "forget-me-not"
            ? try exportForgetMeNot(loaded, inputs: inputs, clock: &clock)
            : try exportTextualInversion(loaded, inputs: inputs, clock: &clock)
        return Result(method: method, step: loaded.manifest.step, stepFolder: loaded.url, outputs: outputs)
    }

    static let trainedPrefix = "trained/"

    /// The base model's UNet with each trained tensor replaced, written as the job writes its output.
    private func exportForgetMeNot(_ loaded: LoadedCheckpoint, inputs: [OutputGuard.Input],
                                   clock: inout StageClock) throws -> [URL] {
        guard let model else { throw CheckpointExportError.needsModel(path: loaded.url.path, method: "forget-me-not") }
        let folder = try DiffusersModelFolder(url: model)
        var writer = try ErasedModelWriter(source: folder, destination: output, overwrite: overwrite, inputs: inputs)
        let (_, store) = try UNet2DConditionModel.loadWithWeights(from: folder)
        let trained = trainedTensors(of: loaded)
        guard !trained.isEmpty else {
            throw CheckpointError.corrupt(path: loaded.url.path, reason: "it holds no trained tensors")
        }
        for (name, tensor) in trained {
            guard let offset = store.offsets[name], let shape = store.layout.first(where: { $0.name == name })?.shape else {
                throw CheckpointError.missingTensor(path: loaded.url.path, name: Self.trainedPrefix + name,
                                                    reason: "the UNet of '\(model.path)' has no parameter '\(name)'")
            }
            guard tensor.shape.reduce(1, *) == shape.reduce(1, *) else {
                throw CheckpointError.missingTensor(path: loaded.url.path, name: Self.trainedPrefix + name,
                                                    reason: "it has shape \(tensor.shape); the UNet's parameter has \(shape)")
            }
            (store.arena.base + offset).update(from: tensor.contiguous().pointer, count: tensor.count)
        }
        let state = loaded.manifest.state
        var report = try report(of: loaded, method: "forget-me-not", model: model)
        report.concepts = [ErasureReport.Concept(
            concept: state["concept"] ?? "", prompt: state["prompt"],
            conceptPositions: state["concept_positions"].map { $0.split(separator: ",").compactMap { Int($0) } },
            attentionMassBefore: state["attention_mass_before"].flatMap(Double.init))]
        _ = try writer.commit(unet: store, report: report, clock: &clock)
        return [output]
    }

    /// The learned rows as `lethe invert` writes them, and the report beside them.
    private func exportTextualInversion(_ loaded: LoadedCheckpoint, inputs: [OutputGuard.Input],
                                        clock: inout StageClock) throws -> [URL] {
        let reportURL = TextualInversionJob.defaultReport(for: output)
        let guarded = inputs + (model.map { [OutputGuard.Input($0.path, role: "model")] } ?? [])
        _ = try TextualInversionJob.checkOutputs(embeddings: output, report: reportURL, inputs: guarded, overwrite: overwrite)
        guard let placeholder = loaded.manifest.state[TextualInversionJob.placeholderKey] else {
            throw CheckpointExportError.missingState(
                path: loaded.url.path, what: "its placeholder token (it was saved by an earlier Lethe)")
        }
        let trained = trainedTensors(of: loaded)
        guard trained.count == 1, let vectors = trained.first?.tensor, vectors.shape.count == 2, vectors.shape[0] >= 1 else {
            throw CheckpointError.corrupt(
                path: loaded.url.path,
                reason: "a textual-inversion checkpoint holds one trained tensor of rows [vectors, width]; this one holds "
                    + (trained.map { "'\($0.name)' \($0.tensor.shape)" }.joined(separator: ", ").nonEmpty ?? "none"))
        }
        let embeddings = LearnedEmbeddings(token: placeholder, vectors: vectors)
        var report = try report(of: loaded, method: "textual-inversion", model: model)
        let width = vectors.shape[1]
        report.concepts = [ErasureReport.Concept(
            concept: placeholder, tokens: embeddings.tokens,
            vectorNorms: (0..<vectors.shape[0]).map { row in
                var sum = 0.0
                for column in 0..<width { let value = Double(vectors.pointer[row * width + column]); sum += value * value }
                return sum.squareRoot()
            })]
        // Checked again just before writing, as the job does.
        let destinations = try TextualInversionJob.checkOutputs(embeddings: output, report: reportURL, inputs: guarded,
                                                                overwrite: overwrite)
        try embeddings.write(to: URL(fileURLWithPath: destinations.embeddings), key: key)
        clock.lap("write")
        report.timings = clock.laps
        try AtomicFileOutput.write(Array(try report.json()), to: destinations.report)
        return [output, reportURL]
    }

    /// The checkpoint's trained tensors by parameter name, in name order.
    private func trainedTensors(of loaded: LoadedCheckpoint) -> [(name: String, tensor: Tensor)] {
        loaded.tensors.compactMap { name, value in
            guard name.hasPrefix(Self.trainedPrefix), let tensor = value.tensor else { return nil }
            return (String(name.dropFirst(Self.trainedPrefix.count)), tensor)
        }.sorted { $0.name < $1.name }
    }

    /// The report's common part: the steps the checkpoint's history holds and the job's settings.
    private func report(of loaded: LoadedCheckpoint, method: String, model: URL?) throws -> ErasureReport {
        struct Step: Decodable {
            let loss: Double
            let gradientNorm: Double
            let learningRate: Double
        }
        let state = loaded.manifest.state
        let steps: [Step]
        let settings: [String: String]
        let privacy: PrivacyReport?
        do {
            steps = try JSONDecoder().decode([Step].self, from: Data((state[TrainingCheckpointState.history] ?? "[]").utf8))
            settings = try JSONDecoder().decode([String: String].self,
                                                from: Data((state[TrainingCheckpointState.settings] ?? "{}").utf8))
            // Differentially private training keeps its (ε, δ) at the checkpoint's step.
            privacy = try state[PrivateTraining.stateKey].map { try JSONDecoder().decode(PrivacyReport.self, from: Data($0.utf8)) }
        } catch {
            throw CheckpointError.corrupt(path: loaded.url.path, reason: "its history or settings cannot be read (\(error))")
        }
        var report = ErasureReport(method: method, model: model?.path ?? state[TrainingCheckpointState.model] ?? "",
                                   ranks: loaded.manifest.worldSize)
        report.training = ErasureReport.Training(
            lossPerStep: steps.map(\.loss), gradientNormPerStep: steps.map(\.gradientNorm),
            learningRatePerStep: steps.map(\.learningRate))
        report.training?.privacy = privacy
        report.settings = settings
        report.exportedFrom = ErasureReport.CheckpointStep(path: loaded.url.path, step: loaded.manifest.step)
        return report
    }
}

/// Why a checkpoint cannot be exported; each message names the checkpoint and what is wrong.
public enum CheckpointExportError: Error, CustomStringConvertible, Equatable {
    case unknownMethod(path: String, method: String)
    case otherBaseModel(checkpoint: String, saved: String, model: String, found: String)
    case needsModel(path: String, method: String)
    case missingState(path: String, what: String)

    public var description: String {
        switch self {
        case let .unknownMethod(path, method):
            "The checkpoint '\(path)' is of the method '\(ErrorText.capped(method, 80))'; export knows "
                + "\(ErrorText.list(CheckpointExport.methods.map { "'\($0)'" }))."
        case let .otherBaseModel(checkpoint, saved, model, found):
            "The checkpoint '\(checkpoint)' was trained from another base model: it records the model fingerprint "
                + "\(saved.prefix(16)), and '\(model)' has \(found.prefix(16)). Give \(Setting.model) the model the job was run with."
        case let .needsModel(path, method):
            "The checkpoint '\(path)' is a \(method) checkpoint: it holds only the trained tensors, so the export needs "
                + "\(Setting.model), the base model the job was run with, to complete the folder."
        case let .missingState(path, what):
            "The checkpoint '\(path)' does not record \(what), which the export needs; resume the job from it "
                + "(\(Setting.resume)) with \(Setting.checkpointFolder): the checkpoints it saves record it."
        }
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
