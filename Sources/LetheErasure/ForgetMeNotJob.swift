import Foundation
import LetheDiffusion
import LetheCheckpoint
import LetheDistributed
import LetheIO
import LetheModels
import LetheTelemetry
import LetheTensor

/// A Forget-Me-Not job from a diffusers folder to an erased diffusers folder with its report, on one process or
/// data-parallel across MPI ranks: images of the concept (a folder, or generated with the base model and shared
/// out across ranks), the attention mass before, the training steps, the attention mass after; rank 0 writes.
public struct ForgetMeNotJob {
    /// Where the training images come from.
    public enum Images: Sendable {
        /// A folder of PNG or JPEG images of the concept.
        case folder(String)
        /// `count` images generated with the base model from the training prompt, `steps` denoising steps each.
        case generated(count: Int, steps: Int)
    }

    public typealias Progress = TrainingProgress<ForgetMeNotTrainer.StepReport>

    /// Checks the settings without loading anything (the trainer checks them again when it starts).
    public func validate() throws {
        try options.validateLoop()
        try checkpoints?.validate()
    }

    public var model: URL
    public var options: ForgetMeNotOptions
    public var images: Images
    /// A textual-inversion file whose token the concept uses.
    public var embedding: URL?
    public var output: URL
    public var overwrite = false
    /// Checkpoints to save and resume from; nil: none.
    public var checkpoints: CheckpointSettings?
    /// Exclusions and whether image names may be logged (an image folder's).
    public var imageRecords = ImageRecordPolicy()
    /// Opens a sealed `embedding` file (`--encrypt-key-file`).
    public var key: CheckpointKey?
    /// Inputs besides the model, the images and the embedding that the output may not overwrite (the job file).
    public var inputs: [OutputGuard.Input] = []

    public init(model: URL, options: ForgetMeNotOptions, images: Images, output: URL) {
        self.model = model
        self.options = options
        self.images = images
        self.output = output
    }

    /// Runs the job; `log` receives warnings and notes (call it only on rank 0 to print once).
    @discardableResult
    public func run(communicator: Communicator, log: (String) -> Void = { _ in }, progress: Progress = Progress())
        throws -> ErasureReport {
        let isMain = communicator.rank == 0
        // Sizes first, before the model loads.
        if case .generated(let count, let steps) = images {
            guard count >= 1 else {
                throw ErasureError.invalidSetting(Setting.generatedImages, reason: "is \(count); it must be at least 1")
            }
            guard steps >= 1 else {
                throw ErasureError.invalidSetting(Setting.generationSteps, reason: "is \(steps); it must be at least 1")
            }
        }
        if let resolution = options.resolution {
            try ResourceBounds.check(Setting.resolution, resolution, in: 1...ResourceBounds.maximumImageSide, unit: "pixels")
        }
        var clock = StageClock()
        let folder = try DiffusersModelFolder(url: model)
        // Rank 0 writes: it checks the output and the components it copies before any work (a failure there ends
        // every rank, see the command line's job failure).
        var guarded = inputs
        if case .folder(let path) = images { guarded.append(OutputGuard.Input(path, role: "image folder")) }
        if let embedding { guarded.append(OutputGuard.Input(embedding.path, role: "embedding file")) }
        let writer = isMain
            ? try ErasedModelWriter(source: folder, destination: output, overwrite: overwrite, inputs: guarded) : nil
        let embeddings = try embedding.map { [try LearnedEmbeddings.read($0, key: key)] } ?? []
        let imageFolder: ImageFolder? = if case .folder(let path) = images { try imageRecords.load(path, log: log) } else { nil }
        let trainer = try ForgetMeNotTrainer(folder: folder, options: options, embeddings: embeddings)
        let checkpointer = try checkpoints.map {
            try TrainingCheckpointer<ForgetMeNotTrainer.StepReport>(
                settings: $0, method: "forget-me-not", jobSettings: settingsSummary(imageFolder), model: model, communicator: communicator)
        }
        let resumed = try checkpointer?.resume(trainer.trainer, log: log)
        if let warning = trainer.truncationWarning { log("warning: \(warning)") }
        // Before any image is generated or batch made: both must fit in memory; a batch above the image count is stated.
        try TrainingMemory.checkBatch(batchSize: options.batchSize, ranks: communicator.size, side: trainer.imageSize,
                                      unet: trainer.unet.configuration, vae: trainer.vae.configuration)
        let (imageCount, source): (Int, Setting) = switch images {
        case .folder: (imageFolder?.count ?? 0, .images)
        case .generated(let count, _): (count, .generatedImages)
        }
        let privacy = try options.privacy.map {
            try PrivateTraining.plan($0, examples: imageCount, options: options, resumed: resumed?.checkpoint,
                                     communicator: communicator, log: log)
        }
        if privacy == nil, let note = TrainingMemory.batchNotice(batchSize: options.batchSize, imageCount: imageCount,
                                                                 source: source) {
            log(note)
        }
        clock.lap("load")

        let trainingFolder: ImageFolder
        switch images {
        case .folder:
            trainingFolder = imageFolder!
        case .generated(let count, _) where resumed != nil:
            // Generated once: a resumed job takes the images its checkpoint kept.
            trainingFolder = try Self.generatedImages(from: resumed!.checkpoint, count: count, side: trainer.imageSize)
        case .generated(let count, let steps):
            let pipeline = try StableDiffusionPipeline(folder: folder, embeddings: embeddings, tokenizer: options.tokenizer)
            let trainTimesteps = pipeline.schedulerConfiguration.numTrainTimesteps ?? 1000
            guard steps <= trainTimesteps else {
                throw ErasureError.invalidSetting(
                    Setting.generationSteps, reason: "is \(steps); it must be at most \(trainTimesteps) (the scheduler's num_train_timesteps)")
            }
            try TrainingMemory.checkGeneratedImages(count: count, side: trainer.imageSize, pipeline: pipeline)
            trainingFolder = try trainer.generateImages(count: count, pipeline: pipeline, steps: steps,
                                                        communicator: communicator, progress: progress.generating)
        }
        let data = try TrainingImages(folder: trainingFolder, size: trainer.imageSize,
                                      preprocessing: .forgetMeNot(centerCrop: options.centerCrop), seed: options.seed)
        clock.lap("images")
        // Measured on the base model: a resumed job reads it from its checkpoint.
        let before = try resumed.map { try Self.savedValue("attention_mass_before", in: $0.checkpoint) }
            ?? trainer.evaluateAttentionMass(images: data, communicator: communicator)
        clock.lap("attention_before")
        var extra: [CheckpointTensor] = []
        if case .generated = images {
            extra.append(CheckpointTensor(Self.generatedImagesName, bytes: trainingFolder.images.flatMap(\.pixels)))
        }
        progress.trainingStarts(resumed?.history.count ?? 0)
        let timer = TrainingTimer()
        let steps = try timer.recording { try trainer.train(
            images: data, communicator: communicator, history: resumed?.history ?? [], privacy: privacy,
            progress: progress.step,
            afterStep: { history in
                try checkpointer?.afterStep(
                    trainer.trainer, history: history, lastStep: options.steps, extra: extra,
                    state: try PrivateTraining.state(privacy, steps: trainer.stepsTaken)
                        .merging(Self.checkpointState(before: before, trainer: trainer)) { $1 },
                    log: log)
            }) }
        clock.lap("train")
        let timings = try TrainingTimings.gather(timer, communicator: communicator)
        timings.table.forEach(log)
        let after = try trainer.evaluateAttentionMass(images: data, communicator: communicator)
        clock.lap("attention_after")

        var report = ErasureReport(method: "forget-me-not", model: model.path, ranks: communicator.size)
        report.concepts = [ErasureReport.Concept(
            concept: options.concept, prompt: trainer.prompt, conceptPositions: trainer.positions,
            attentionMassBefore: before, attentionMassAfter: after)]
        report.training = ErasureReport.Training(
            lossPerStep: steps.map(\.loss), gradientNormPerStep: steps.map(\.gradientNorm),
            learningRatePerStep: steps.map(\.learningRate))
        report.training?.timings = timings
        report.training?.privacy = try privacy.map { try PrivateTraining.finish($0, steps: trainer.stepsTaken, log: log) }
        report.settings = settingsSummary(imageFolder)
        guard var writer else { return report }
        return try writer.commit(unet: trainer.unetStore, report: report, clock: &clock)
    }

    static let generatedImagesName = "generated_images"

    /// The generated training images a checkpoint kept: `count` RGB images of `side`×`side`, one after another.
    static func generatedImages(from checkpoint: LoadedCheckpoint, count: Int, side: Int) throws -> ImageFolder {
        guard let bytes = checkpoint.tensors[generatedImagesName]?.bytes, bytes.count == count * side * side * 3 else {
            throw CheckpointError.missingTensor(path: checkpoint.url.path, name: generatedImagesName,
                                                reason: "this job needs \(count) images of \(side)×\(side)")
        }
        return ImageFolder(generatedPixels: bytes, count: count, side: side)
    }

    /// A number the job kept in its checkpoint's state.
    static func savedValue(_ key: String, in checkpoint: LoadedCheckpoint) throws -> Double {
        guard let text = checkpoint.manifest.state[key], let value = Double(text) else {
            throw CheckpointError.corrupt(path: checkpoint.url.path, reason: "its state has no number '\(key)'")
        }
        return value
    }

    /// What the job keeps in its checkpoints' state besides the history and settings: the attention mass before
    /// training (a resumed job does not measure it again) and the concept, its prompt and token positions (for the
    /// report `CheckpointExport` writes).
    static func checkpointState(before: Double, trainer: ForgetMeNotTrainer) -> [String: String] {
        ["attention_mass_before": "\(before)", "concept": trainer.options.concept, "prompt": trainer.prompt,
         "concept_positions": trainer.positions.map(String.init).joined(separator: ",")]
    }

    /// Every setting that shapes the result: the report's `settings`, and (hashed) the identity a checkpoint must
    /// match to be resumed, so a resume with another concept or resolution is refused.
    private func settingsSummary(_ imageFolder: ImageFolder?) -> [String: String] {
        var settings = [
            "concept": options.concept, "resolution": options.resolution.map { "\($0)" } ?? "model",
            "center_crop": "\(options.centerCrop)", "adam_beta1": "\(options.beta1)", "adam_beta2": "\(options.beta2)",
            "adam_epsilon": "\(options.epsilon)",
            "template": options.template.rawValue, "train": options.train, "steps": "\(options.steps)",
            "learning_rate": "\(options.learningRate)", "lr_scheduler": options.schedule,
            "lr_warmup_steps": "\(options.warmupSteps)", "batch_size": "\(options.batchSize)",
            "weight_decay": "\(options.weightDecay)", "use_pooler": "\(options.usePooler)", "seed": "\(options.seed)",
            "max_grad_norm": options.maxGradientNorm.map { "\($0)" } ?? "none",
            "tokenizer": options.tokenizer.rawValue,
        ]
        switch images {
        case .folder: if let imageFolder { settings.merge(ImageRecordPolicy.settings(for: imageFolder)) { $1 } }
        case .generated(let count, let steps): settings["images"] = "generated \(count) with \(steps) steps"
        }
        if let embedding { settings["embedding"] = embedding.lastPathComponent }
        return settings.merging(PrivateTraining.settings(options.privacy)) { $1 }
    }
}
