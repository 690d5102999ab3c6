import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheIO
import LetheTelemetry
import LetheTensor
import LetheTraining

/// Where a training job checkpoints, how often, how many it keeps and where it resumes from.
public struct CheckpointSettings: Sendable {
    /// The checkpoint folder (on a file system every rank sees); nil: no saving (a resume path may still be given).
    public var folder: URL?
    /// Save every this many steps; 0: only after the last step.
    public var every = 0
    /// Committed steps kept (the newest are kept; at least 1).
    public var keepLast = 2
    /// nil: start afresh; `.auto`: the newest good step of `folder`, if any; a path: that checkpoint.
    public var resume: CheckpointFolder.ResumeFrom?
    /// Encrypts what is saved and is needed to resume (nil: plain checkpoints).
    public var key: CheckpointKey?

    public init(folder: URL?, every: Int = 0, keepLast: Int = 2, resume: CheckpointFolder.ResumeFrom? = nil,
                key: CheckpointKey? = nil) {
        self.folder = folder
        self.every = every
        self.keepLast = keepLast
        self.resume = resume
        self.key = key
    }

    public func validate() throws {
        guard every >= 0 else { throw ErasureError.invalidSetting(.checkpointEvery, reason: "is \(every); it must be 0 (only the last step) or more") }
        guard keepLast >= 1 else { throw ErasureError.invalidSetting(.keepLast, reason: "is \(keepLast); it must be at least 1") }
        if resume == .auto, folder == nil {
            throw ErasureError.invalidSetting(.resume, reason: "auto needs \(Setting.checkpointFolder) to look in")
        }
    }
}

/// The one checkpointing helper of the training jobs: it restores the training step (trained values, optimizer
/// state, steps taken) with the job's own history and tensors from the checkpoint to resume from, and saves them
/// at the steps due. A job that resumes continues bit for bit as if it had not stopped (the data order and every
/// random draw are keyed by seed, step and sample index), on any number of ranks.
public struct TrainingCheckpointer<StepReport: Codable> {
    let settings: CheckpointSettings
    let identity: CheckpointIdentity
    /// The job's settings as its report lists them, kept in each manifest's state beside their hash.
    let jobSettings: [String: String]
    /// The base model as the job was given it (for the report of an export).
    let modelPath: String
    let communicator: Communicator

    /// What a resumed job takes up again besides the training step.
    public struct Resumed {
        public let checkpoint: LoadedCheckpoint
        public let history: [StepReport]
    }

    init(settings: CheckpointSettings, method: String, jobSettings: [String: String], model: URL,
         communicator: Communicator) throws {
        try self.init(settings: settings, method: method, jobSettings: jobSettings,
                      baseModelHash: try ModelFingerprint.hash(folder: model), modelPath: model.path,
                      communicator: communicator)
    }

    /// For a job whose starting point is not a model folder (a model trained from scratch): `baseModelHash` names
    /// what the training starts from (a hash of the weights a stage builds on, or of the recipe).
    public init(settings: CheckpointSettings, method: String, jobSettings: [String: String], baseModelHash: String,
                modelPath: String, communicator: Communicator) throws {
        try settings.validate()
        self.settings = settings
        identity = CheckpointIdentity(method: method, settingsHash: CheckpointIdentity.hash(settings: jobSettings),
                                      baseModelHash: baseModelHash)
        self.jobSettings = jobSettings
        self.modelPath = modelPath
        self.communicator = communicator
    }

    /// Restores `trainer` from the checkpoint to resume from; nil when there is none (a fresh start).
    public func resume(_ trainer: DiffusionTrainer, log: (String) -> Void) throws -> Resumed? {
        guard let from = settings.resume else { return nil }
        let folder = settings.folder ?? URL(fileURLWithPath: "")
        // Rank 0 checks every chunk of the newest steps (gigabytes, maybe) while the others wait for its choice.
        let loaded = try Watchdog.idle(when: communicator.rank != 0) {
            try Activity.measure(.checkpointLoad, "checkpoint load") {
                try CheckpointFolder(folder).resume(from, identity: identity, key: settings.key, communicator: communicator, log: log)
            }
        }
        guard let loaded else { return nil }
        try trainer.restore(stepsTaken: loaded.manifest.step) { name, count in
            guard let tensor = try loaded.values(name, count: count).tensor else {
                throw CheckpointError.missingTensor(path: loaded.url.path, name: name, reason: "it holds bytes, not float32 values")
            }
            return tensor
        }
        let history = try JSONDecoder().decode([StepReport].self, from: Data((loaded.manifest.state[TrainingCheckpointState.history] ?? "[]").utf8))
        guard history.count == loaded.manifest.step else {
            throw CheckpointError.corrupt(path: loaded.url.path, reason: "its history has \(history.count) steps, not \(loaded.manifest.step)")
        }
        log("resumed from \(loaded.url.path) (step \(loaded.manifest.step), saved by \(loaded.manifest.worldSize) rank(s))")
        return Resumed(checkpoint: loaded, history: history)
    }

    /// At each step boundary: saves when the step is due (every `settings.every` steps and the last) or a graceful
    /// stop was asked for on any rank (SIGUSR1 or SIGTERM, see `SignalCleanup.enableGracefulStop`); after such a
    /// save every rank throws `TrainingStopped`. `state` holds what the method needs besides the history and the
    /// settings (for export: the placeholder token, the concept).
    public func afterStep(_ trainer: DiffusionTrainer, history: [StepReport], lastStep: Int, extra: [CheckpointTensor] = [],
                   state: [String: String] = [:], log: (String) -> Void) throws {
        guard let folder = settings.folder else { return }
        let step = trainer.stepsTaken
        // One rank's request stops them all, at the same step.
        let stop = try communicator.allreduce(SignalCleanup.isStopRequested ? Int32(1) : 0, op: .max) == 1 && step < lastStep
        guard stop || step == lastStep || (settings.every > 0 && step % settings.every == 0) else { return }
        var state = state
        state[TrainingCheckpointState.history] = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
        state[TrainingCheckpointState.settings] = String(decoding: try JSONEncoder().encode(jobSettings), as: UTF8.self)
        state[TrainingCheckpointState.model] = modelPath
        let tensors = trainer.checkpointTensors().map { CheckpointTensor($0.name, $0.values) } + extra
        let url = try Activity.measure(.checkpointSave, "checkpoint save step \(step)") {
            try CheckpointFolder(folder).save(step: step, tensors: tensors, identity: identity, state: state,
                                              keepLast: settings.keepLast, key: settings.key, communicator: communicator)
        }
        log("checkpoint: \(url.path)")
        if stop { throw TrainingStopped(step: step, checkpoint: url) }
    }
}

/// Keys of a manifest's `state` that every training job writes: the report's history so far (JSON, one entry per
/// step), the job's settings (a JSON object) and its base model's path, so that `CheckpointExport` writes the
/// job's report too.
enum TrainingCheckpointState {
    static let history = "history"
    static let settings = "settings"
    static let model = "model"
}

/// A training job that stopped on request after saving a checkpoint (a pre-emption or time limit coming): not a
/// failure; the same command resumes it.
public struct TrainingStopped: Error, CustomStringConvertible {
    public let step: Int
    public let checkpoint: URL

    public var description: String {
        "stopped after step \(step) as asked; checkpoint \(checkpoint.path). Run the same command to resume."
    }
}
