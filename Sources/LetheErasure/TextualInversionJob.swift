import LetheTensor
import Foundation
import LetheDistributed
import LetheIO
import LetheCheckpoint
import LetheModels
import LetheTelemetry

/// A textual-inversion job from a diffusers folder and images to a learned-embeddings file (diffusers'
/// `learned_embeds.safetensors`) and its report, on one process or data-parallel across MPI ranks; rank 0 writes.
public struct TextualInversionJob {
    public var model: URL
    public var options: TextualInversionOptions
    /// A folder of PNG or JPEG training images.
    public var images: String
    public var output: URL
    /// Where the report goes; nil: beside the output, ``defaultReport(for:)``.
    public var report: URL?
    public var overwrite = false
    /// Checkpoints to save and resume from; nil: none.
    public var checkpoints: CheckpointSettings?
    /// Exclusions and whether image names may be logged.
    public var imageRecords = ImageRecordPolicy()
    /// Seals the learned-embeddings file (`--encrypt-key-file`); nil: the plain diffusers file.
    public var key: CheckpointKey?
    /// Inputs besides the model and the images that the outputs may not overwrite (the job file).
    public var inputs: [OutputGuard.Input] = []

    public init(model: URL, options: TextualInversionOptions, images: String, output: URL) {
        self.model = model
        self.options = options
        self.images = images
        self.output = output
    }

    /// The report of an output file: its name with `.report.json` for its extension
    /// (`learned_embeds.safetensors` → `learned_embeds.report.json`).
    public static func defaultReport(for output: URL) -> URL {
        output.deletingPathExtension().appendingPathExtension("report.json")
    }

    /// Checks the settings without loading anything (the trainer checks them again when it starts).
    public func validate() throws {
        try options.validateLoop()
        try checkpoints?.validate()
    }

    public typealias Progress = TrainingProgress<TextualInversionTrainer.StepReport>

    /// Runs the job; `log` receives warnings and notes (call it only on rank 0 to print once).
    @discardableResult
    public func run(communicator: Communicator, log: (String) -> Void = { _ in }, progress: Progress = Progress())
        throws -> ErasureReport {
        let isMain = communicator.rank == 0
        var clock = StageClock()
        let folder = try DiffusersModelFolder(url: model)
        let reportURL = report ?? Self.defaultReport(for: output)
        let guarded = [OutputGuard.Input(model.path, role: "model"), OutputGuard.Input(images, role: "image folder")] + inputs
        // Rank 0 writes: both outputs are checked before any work, and again before they are written.
        func checkOutputs() throws -> (embeddings: String, report: String) {
            try Self.checkOutputs(embeddings: output, report: reportURL, inputs: guarded, overwrite: overwrite)
        }
        if isMain { _ = try checkOutputs() }
        let imageFolder = try imageRecords.load(images, log: log)
        let checkpointer = try checkpoints.map {
            try TrainingCheckpointer<TextualInversionTrainer.StepReport>(
                settings: $0, method: "textual-inversion", jobSettings: settingsSummary(imageFolder), model: model, communicator: communicator)
        }
        let trainer = try TextualInversionTrainer(folder: folder, options: options)
        for warning in trainer.truncationWarnings { log("warning: \(warning)") }
        // Before any batch is made: the batch must fit in memory, and a batch above the image count is stated.
        try TrainingMemory.checkBatch(batchSize: options.batchSize, ranks: communicator.size, side: trainer.imageSize,
                                      unet: trainer.unet.configuration, vae: trainer.vae.configuration)
        if options.privacy == nil, let note = TrainingMemory.batchNotice(batchSize: options.batchSize, imageCount: imageFolder.count,
                                                                 source: Setting.images) { log(note) }
        let data = try TrainingImages(
            folder: imageFolder, size: trainer.imageSize,
            preprocessing: .textualInversion(centerCrop: options.centerCrop, flipProbability: options.flipProbability),
            seed: options.seed)
        let resumed = try checkpointer?.resume(trainer.trainer, log: log)
        let privacy = try options.privacy.map {
            try PrivateTraining.plan($0, examples: imageFolder.count, options: options, resumed: resumed?.checkpoint,
                                     communicator: communicator, log: log)
        }
        clock.lap("load")
        progress.trainingStarts(resumed?.history.count ?? 0)
        let timer = TrainingTimer()
        let steps = try timer.recording { try trainer.train(
            images: data, communicator: communicator, history: resumed?.history ?? [], privacy: privacy,
            progress: progress.step,
            afterStep: { history in
                try checkpointer?.afterStep(
                    trainer.trainer, history: history, lastStep: options.steps,
                    state: try PrivateTraining.state(privacy, steps: trainer.stepsTaken).merging([Self.placeholderKey: options.placeholder]) { $1 },
                    log: log)
            }) }
        clock.lap("train")
        let timings = try TrainingTimings.gather(timer, communicator: communicator)
        timings.table.forEach(log)

        var report = ErasureReport(method: "textual-inversion", model: model.path, ranks: communicator.size)
        report.concepts = [ErasureReport.Concept(concept: options.placeholder, tokens: trainer.placeholderTokens,
                                                 vectorNorms: trainer.rowNorms)]
        report.training = ErasureReport.Training(
            lossPerStep: steps.map(\.loss), gradientNormPerStep: steps.map(\.gradientNorm),
            learningRatePerStep: steps.map(\.learningRate))
        report.training?.timings = timings
        report.training?.privacy = try privacy.map { try PrivateTraining.finish($0, steps: trainer.stepsTaken, log: log) }
        report.settings = settingsSummary(imageFolder)
        guard isMain else { return report }
        // Checked again: an output may have appeared while the job ran.
        let destinations = try checkOutputs()
        try Activity.measure(.phase, "writing the output") {
            try trainer.learnedEmbeddings.write(to: URL(fileURLWithPath: destinations.embeddings), key: key)
        }
        clock.lap("write")
        report.timings = clock.laps
        try AtomicFileOutput.write(Array(try report.json()), to: destinations.report)
        return report
    }

    /// The key of a checkpoint's state that holds the placeholder token (the learned file is named after it).
    static let placeholderKey = "placeholder"

    /// Checks both outputs (the learned-embeddings file and its report) against the inputs and `overwrite`, as the
    /// job does before its work and again before it writes; returns their resolved paths.
    static func checkOutputs(embeddings output: URL, report: URL, inputs: [OutputGuard.Input],
                             overwrite: Bool) throws -> (embeddings: String, report: String) {
        let embeddings = try OutputGuard.check(output: output.path, kind: .learnedEmbeddings, inputs: inputs,
                                               overwrite: overwrite)
        let report = try OutputGuard.check(
            output: report.path, kind: .report,
            inputs: inputs + [OutputGuard.Input(output.path, role: "learned-embeddings output")], overwrite: overwrite)
        return (embeddings, report)
    }

    private func settingsSummary(_ imageFolder: ImageFolder) -> [String: String] {
        ImageRecordPolicy.settings(for: imageFolder).merging([
            "placeholder": options.placeholder, "adam_beta1": "\(options.beta1)", "adam_beta2": "\(options.beta2)",
            "adam_epsilon": "\(options.epsilon)",
            "initializer": options.initializer, "vectors": "\(options.vectors)", "template": options.template.rawValue,
            "steps": "\(options.steps)", "learning_rate": "\(options.learningRate)", "lr_scheduler": options.schedule,
            "lr_warmup_steps": "\(options.warmupSteps)", "batch_size": "\(options.batchSize)",
            "resolution": options.resolution.map { "\($0)" } ?? "model", "center_crop": "\(options.centerCrop)",
            "flip_probability": "\(options.flipProbability)", "weight_decay": "\(options.weightDecay)",
            "renormalize": "\(options.renormalize)", "seed": "\(options.seed)", "tokenizer": options.tokenizer.rawValue,
        ]) { $1 }.merging(PrivateTraining.settings(options.privacy)) { $1 }
    }
}
