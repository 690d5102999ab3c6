import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels

/// `lethe invert`: textual inversion (diffusers' example), data-parallel across MPI ranks.
struct Invert: ErasureCommand {
    static let configuration = CommandConfiguration(
        abstract: "Learn a new token's embedding from images (textual inversion).",
        discussion: """
            Adds --token (and TOKEN_1 … for --vectors above 1) to the tokenizer, starts its rows from --init-token's \
            embedding (or <rand-SIGMA>: random), and trains only those rows with AdamW on the diffusion loss, with \
            diffusers' example's prompt templates and image preprocessing. Under mpirun the global batch is split \
            across ranks; the result does not depend on the number of ranks. Writes learned_embeds.safetensors as \
            diffusers' load_textual_inversion reads it (rank 0). With --dp-max-grad-norm it trains with differential \
            privacy (DP-SGD on Poisson samples, as Opacus) and reports (ε, δ) in the log and the report; \
            lethe privacy epsilon computes ε for other settings.
            """)

    @OptionGroup var config: ConfigOption

    @OptionGroup var modelOption: ModelOption
    @Option(help: "A folder of training images (PNG or JPEG).") var images: String
    @Option(help: "The placeholder token to learn, e.g. \"<cat-toy>\".") var token: String
    @Option(help: "A one-token word to start from, or <rand-SIGMA> for random rows.") var initToken: String
    @OptionGroup var tokenizerOption: TokenizerOption
    @Option(parsing: .unconditional, help: "Vectors (tokens) to learn.") var vectors = 1
    @Option(help: "Prompt templates: object or style.") var template: PromptTemplate = .object
    @Option(parsing: .unconditional, help: "Optimizer steps.") var steps = 500
    @Option(parsing: .unconditional, help: "AdamW learning rate.") var lr = 1e-4
    @Option(parsing: .unconditional, help: "AdamW weight decay.") var weightDecay = 1e-2
    @Option(help: "Learning-rate schedule (constant, constant_with_warmup, linear, cosine, …).") var lrScheduler = "constant"
    @Option(parsing: .unconditional, help: "Warmup steps of the schedule.") var lrWarmupSteps = 0
    @Option(parsing: .unconditional, help: "Samples per step across all ranks.") var batchSize = 1
    @Option(parsing: .unconditional, help: "Training image side in pixels. Default: the model's image size.") var resolution: Int?
    @Flag(help: "Crop each image to its centred square before resizing.") var centerCrop = false
    @Flag(help: "Forget-Me-Not's renormalisation: pull the learned rows' norm towards 0.4 after each step.") var renormalize = false
    @Option(parsing: .unconditional, help: "Seed of every random draw (data order, crops, flips, templates, noise, timesteps).") var seed: UInt64 = 0
    @Option(help: "Output file (.safetensors).") var output: String
    @Option(help: "The report (JSON: settings, loss and gradient norm per step). Default: --output with .report.json for its extension.") var report: String?
    @OptionGroup(title: "Image privacy") var imageRecords: ImageRecordOptions
    @OptionGroup(title: "Differential privacy") var privacyOptions: PrivacyOptions
    @OptionGroup(title: "Checkpoints") var checkpointOptions: CheckpointOptions
    @OptionGroup(title: "Running") var runtime: RuntimeOptions
    @Flag(help: "Replace --output (and the report) if it is a learned-embeddings file (a report Lethe wrote).") var overwrite = false

    var outputPath: String { output }
    var inputPaths: [(role: String, path: String?)] { [("model", modelOption.resolved), ("image folder", images)] }
    /// As given (relative stays relative): the default is the output's name with .report.json for its extension.
    var reportPath: String { report ?? (output as NSString).deletingPathExtension + ".report.json" }
    var concepts: [String] { [token] }

    func checkSettings() throws { try job().validate() }

    private func job() throws -> TextualInversionJob {
        var options = TextualInversionOptions(placeholder: token, initializer: initToken)
        options.vectors = vectors
        options.template = template
        options.steps = steps
        options.learningRate = lr
        options.weightDecay = weightDecay
        options.schedule = lrScheduler
        options.warmupSteps = lrWarmupSteps
        options.batchSize = batchSize
        options.resolution = resolution
        options.centerCrop = centerCrop
        options.renormalize = renormalize
        options.seed = seed
        options.tokenizer = tokenizerOption.compatibility
        options.privacy = try privacyOptions.settings()
        var job = TextualInversionJob(model: try modelOption.url(), options: options, images: images,
                                      output: URL(fileURLWithPath: output))
        job.report = report.map { URL(fileURLWithPath: $0) }
        job.overwrite = overwrite
        job.checkpoints = try checkpointOptions.settings
        job.key = try checkpointOptions.keyFile.key()
        job.imageRecords = try imageRecords.policy()
        job.inputs = config.inputs
        return job
    }

    func erase(on communicator: Communicator, console: Console) throws -> ErasureReport {
        let job = try job()
        var progress = TextualInversionJob.Progress()
        var bar: ProgressBar?
        progress.trainingStarts = { resumed in bar = console.progress("invert", total: steps, resumedAt: resumed) }
        progress.step = { step, report in
            bar?.update(step)
            if step == 1 || step == steps || step % 50 == 0 {
                let norms = report.rowNorms.map { String(format: "%.4f", $0) }.joined(separator: ", ")
                console.log(String(format: "step %d: loss %.6f, grad norm %.4g, lr %.3g, row norms [%@]",
                                   step, report.loss, report.gradientNorm, report.learningRate, norms))
            }
        }
        return try job.run(communicator: communicator, log: console.log, progress: progress)
    }

    func summary(_ report: ErasureReport) -> String {
        let tokens = report.concepts.first?.tokens ?? [token]
        return "wrote \(output) (\(tokens.joined(separator: ", "))) and \(reportPath)" + PrivacyOptions.summary(report)
    }
}
