import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTelemetry
import LetheTensor
import LetheTraining

/// `lethe world train`: the whole recipe of the world's model on the ranks of `communicator`. Stage 1 trains the
/// VAE on freshly drawn pictures; then a fixed set of pictures is drawn and encoded once (each rank its share,
/// shared out by allgather) and the VAE's scaling factor measured on it; stage 2 trains the text encoder and UNet
/// on that set, epoch after epoch in a seeded order. Each stage checkpoints in its own subfolder of the checkpoint
/// folder and resumes there; a stage that finished resumes at its last step and is not redone. Rank 0 writes the
/// diffusers folder and the recipe record (`WorldRecipeRecord`) at the end.
public struct WorldTrainingJob {
    public var options: WorldTrainingOptions
    public var output: URL
    public var overwrite = false
    public var checkpoints: CheckpointSettings?
    /// Weights written as float16 (half the size; the shipped model), else float32.
    public var halfPrecision = false
    /// The command line that runs the job, recorded in the recipe record.
    public var command = ""

    public init(options: WorldTrainingOptions, output: URL) {
        self.options = options
        self.output = output
    }

    /// What the job tells its caller as it goes (on every rank; print on rank 0 only).
    public struct Progress {
        /// A stage starts: its name, its steps and the steps a checkpoint restored.
        public var stageStarts: (_ stage: String, _ steps: Int, _ resumed: Int) -> Void = { _, _, _ in }
        /// After each optimizer step of a stage: the steps taken and the loss.
        public var step: (_ stage: String, _ taken: Int, _ loss: Double) -> Void = { _, _, _ in }
        /// Pictures encoded so far of this rank's share of the training set.
        public var encoding: (_ done: Int, _ total: Int) -> Void = { _, _ in }

        public init() {}
    }

    public static let side = WorldModelRecipe.imageSize

    public func validate() throws {
        try options.autoencoder.validateLoop()
        try options.diffusion.validateLoop()
        try checkpoints?.validate()
        guard options.trainingImages >= options.diffusion.batchSize else {
            throw ErasureError.invalidSetting(
                .trainingImages, reason: "is \(options.trainingImages); it must be at least the diffusion stage's batch size (\(options.diffusion.batchSize))")
        }
        guard (0..<1).contains(options.captionDropout) else {
            throw ErasureError.invalidSetting(.captionDropout, reason: "is \(options.captionDropout); it must be in [0, 1)")
        }
        guard options.klWeight >= 0, options.klWeight.isFinite else {
            throw ErasureError.invalidSetting(.klWeight, reason: "is \(options.klWeight); it must be 0 or more")
        }
        if let gamma = options.snrGamma, !(gamma > 0 && gamma.isFinite) {
            throw ErasureError.invalidSetting(.snrGamma, reason: "is \(gamma); it must be a positive number")
        }
    }

    /// Runs with one OpenBLAS thread per rank: the world's products are small, and OpenBLAS's threads hand work off
    /// so often on them that two threads take about three times as long as one (use one rank per core instead).
    @discardableResult
    public func run(communicator: Communicator, log: (String) -> Void = { _ in }, progress: Progress = Progress()) throws -> WorldRecipeRecord {
        try BLASThreads.with(1) { try runStages(communicator: communicator, log: log, progress: progress) }
    }

    private func runStages(communicator: Communicator, log: (String) -> Void, progress: Progress) throws -> WorldRecipeRecord {
        try validate()
        let isMain = communicator.rank == 0
        func checkOutput() throws -> String {
            try OutputGuard.check(output: output.path, kind: .modelFolder(marker: "model_index.json"), inputs: [],
                                  overwrite: overwrite)
        }
        if isMain { _ = try checkOutput() }
        var clock = StageClock()
        let renderer = WorldRenderer(size: Self.side)

        // Stage 1: the VAE, on pictures drawn afresh for every sample.
        let autoencoder = try WorldAutoencoderTrainer(options: options.autoencoder, klWeight: options.klWeight, seed: options.seed)
        let pictures = WorldDataset(seed: options.seed, split: .train)
        let vaeHistory = try train(
            stage: "vae", trainer: autoencoder.trainer, loop: options.autoencoder,
            settings: stageSettings("vae"), startsFrom: SHA256Hex.of(Array(WorldModelRecipe.vae(scalingFactor: 1).utf8)),
            communicator: communicator, log: log, progress: progress
        ) { samples, weight, reduction -> WorldAutoencoderTrainer.StepReport in
            let batch = WorldImageBatch(dataset: pictures, indices: samples, renderer: renderer)
            return try autoencoder.step(images: batch.images, samples: samples, weight: weight, reduction: reduction)
        }
        clock.lap("vae")

        // The diffusion stage's pictures, encoded once with the trained VAE, and the scaling factor they give.
        let trainingSet = try WorldEncodedSet(
            dataset: WorldDataset(seed: options.seed &+ 1, split: .train), count: options.trainingImages,
            vae: autoencoder.vae, renderer: renderer, communicator: communicator, progress: progress.encoding)
        let scalingFactor = trainingSet.scalingFactor
        log("VAE latents: standard deviation \(String(format: "%.4f", 1 / scalingFactor)); scaling_factor \(String(format: "%.5f", scalingFactor))")
        clock.lap("encode")

        // Stage 2: the text encoder and the UNet together.
        let diffusion = try WorldDiffusionTrainer(options: options.diffusion, captionDropout: options.captionDropout,
                                                  snrGamma: options.snrGamma, seed: options.seed)
        let vaeHash = SHA256Hex.of(UnsafeRawBufferPointer(start: autoencoder.store.arena.base,
                                                          count: autoencoder.store.parameterCount * MemoryLayout<Float>.stride))
        let diffusionHistory = try train(
            stage: "diffusion", trainer: diffusion.trainer, loop: options.diffusion, settings: stageSettings("diffusion"),
            startsFrom: vaeHash, communicator: communicator, log: log, progress: progress
        ) { samples, weight, reduction -> WorldDiffusionTrainer.StepReport in
            let items = samples.map(trainingSet.item(forSample:))
            return try diffusion.step(moments: trainingSet.moments(items), scalingFactor: scalingFactor,
                                      captions: items.map { trainingSet.caption($0) }, samples: samples, weight: weight,
                                      reduction: reduction)
        }
        clock.lap("diffusion")

        var record = WorldRecipeRecord(
            command: command, settings: options.summary, ranks: communicator.size, scalingFactor: scalingFactor,
            vaeLoss: vaeHistory.map(\.loss), vaeReconstruction: vaeHistory.map(\.reconstruction),
            diffusionLoss: diffusionHistory.map(\.loss), timings: [:], files: [:])
        guard isMain else { return record }
        let destination = try checkOutput()
        let staging = try StagingFolder(destination: destination)
        try staging.fill { folder in
            try WorldModelWriter(halfPrecision: halfPrecision).write(
                vae: autoencoder.store, scalingFactor: scalingFactor, textEncoder: diffusion.textEncoder,
                unet: diffusion.unet, store: diffusion.store, to: folder)
            clock.lap("write")
            record.timings = clock.laps
            record.files = try WorldRecipeRecord.fileDigests(in: folder)
            try AtomicFileOutput.write(Array(try record.json()), to: folder.appendingPathComponent(WorldRecipeRecord.fileName).path)
        }
        try staging.commit(replacing: overwrite)
        return record
    }

    /// The settings that decide a stage's result (what its checkpoints are bound to).
    private func stageSettings(_ stage: String) -> [String: String] {
        options.summary.filter { key, _ in
            switch stage {
            case "vae": key.hasPrefix("vae_") || key == "kl_weight" || key == "seed"
            default: !key.hasPrefix("vae_")
            }
        }
    }

    /// Runs one stage's loop data-parallel, resuming from and saving checkpoints in `<checkpoint folder>/<stage>`.
    private func train<Report: Codable>(
        stage: String, trainer: DiffusionTrainer, loop: WorldTrainingOptions.Stage, settings: [String: String],
        startsFrom baseHash: String, communicator: Communicator, log: (String) -> Void, progress: Progress,
        step: (_ samples: [Int], _ weight: Double, _ reduction: GradientReduction) throws -> Report
    ) throws -> [Report] where Report: WorldStepLoss {
        let checkpointer = try checkpoints.map { job -> TrainingCheckpointer<Report> in
            var here = job
            here.folder = job.folder?.appendingPathComponent(stage)
            return try TrainingCheckpointer<Report>(
                settings: here, method: "world-\(stage)", jobSettings: settings, baseModelHash: baseHash,
                modelPath: "world recipe", communicator: communicator)
        }
        let resumed = try checkpointer?.resume(trainer, log: log)
        progress.stageStarts(stage, loop.steps, resumed?.history.count ?? 0)
        let parallel = try DataParallelTraining(globalBatch: loop.batchSize, communicator: communicator)
        return try parallel.run(
            trainer: trainer, steps: loop.steps, history: resumed?.history ?? [], step: step,
            progress: { taken, report in progress.step(stage, taken, report.loss) },
            afterStep: { history in
                try checkpointer?.afterStep(trainer, history: history, lastStep: loop.steps, log: log)
            })
    }
}

/// A step report with a loss, for progress lines.
public protocol WorldStepLoss { var loss: Double { get } }
extension WorldAutoencoderTrainer.StepReport: WorldStepLoss {}
extension WorldDiffusionTrainer.StepReport: WorldStepLoss {}
