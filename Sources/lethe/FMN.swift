import ArgumentParser
import Foundation
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor

/// `lethe fmn`: Forget-Me-Not's attention re-steering, data-parallel across MPI ranks.
struct FMN: ErasureCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmn",
        abstract: "Erase a concept by steering cross-attention away from its tokens (Forget-Me-Not).",
        discussion: """
            Trains the UNet (all of it, or --train attn2) to lower the norm of the attention every attn2 layer gives \
            to the concept's tokens in "a photo of CONCEPT", on noised latents of images of the concept (--images, \
            or --generate-images N made with the base model). Writes a complete diffusers folder with \
            erasure-report.json (rank 0). Under mpirun the global batch is split across ranks. With \
            --dp-max-grad-norm it trains with differential privacy for the images (DP-SGD on Poisson samples, as \
            Opacus; each example's loss is its own attention norm) and reports (ε, δ).
            """)

    @OptionGroup var config: ConfigOption

    @OptionGroup var modelOption: ModelOption
    @Option(help: "The concept to forget (words, or a learned token with --embedding).") var concept: String
    @Option(help: "A textual-inversion file whose token the concept uses (lethe invert's output).") var embedding: String?
    @OptionGroup var tokenizerOption: TokenizerOption
    @Option(help: "A folder of images of the concept (PNG or JPEG).") var images: String?
    @Option(parsing: .unconditional, help: "Generate this many images of the concept with the base model instead of --images.") var generateImages: Int?
    @Option(parsing: .unconditional, help: "Denoising steps per generated image.") var generationSteps = 30
    @Option(help: "Prompt: object (\"a photo of X\") or style (\"a photo in the style of X\").") var template: PromptTemplate = .object
    @Option(help: "UNet parameters to train: attn2 or all.") var train = "all"
    @Option(parsing: .unconditional, help: "Optimizer steps.") var steps = 35
    @Option(parsing: .unconditional, help: "AdamW learning rate.") var lr = 2e-6
    @Option(parsing: .unconditional, help: "AdamW weight decay.") var weightDecay = 1e-2
    @Option(parsing: .unconditional, help: "Clip the global gradient norm to this (not with --dp-max-grad-norm, whose per-example clipping replaces it).") var maxGradNorm = 1.0
    @Option(parsing: .unconditional, help: "Samples per step across all ranks.") var batchSize = 1
    @Option(parsing: .unconditional, help: "Training image side in pixels. Default: the model's image size.") var resolution: Int?
    @Flag(help: "Also steer attention away from the end-of-text (pooled) token.") var usePooler = false
    @Option(parsing: .unconditional, help: "Seed of every random draw.") var seed: UInt64 = 0
    @OptionGroup(title: "Image privacy") var imageRecords: ImageRecordOptions
    @OptionGroup(title: "Differential privacy") var privacyOptions: PrivacyOptions
    @OptionGroup(title: "Checkpoints") var checkpointOptions: CheckpointOptions
    @OptionGroup(title: "Running") var runtime: RuntimeOptions
    @Flag(help: "Replace --output if it is an erased model folder Lethe wrote (anything else is kept).") var overwrite = false
    @Option(help: "Output diffusers folder.") var output: String

    var outputPath: String { output }
    var inputPaths: [(role: String, path: String?)] { [("model", modelOption.resolved), ("image folder", images), ("embedding file", embedding)] }
    var reportPath: String { (output as NSString).appendingPathComponent("erasure-report.json") }
    var concepts: [String] { [concept] }

    func checkSettings() throws { try job().validate() }

    private func job() throws -> ForgetMeNotJob {
        guard (images == nil) != (generateImages == nil) else {
            throw ErasureError.invalidSetting(.images, reason: "and \(Setting.generatedImages): give exactly one of them")
        }
        if images == nil, imageRecords.excludeHashes != nil {
            throw ErasureError.invalidSetting(.excludeHashes, reason: "leaves images out of \(Setting.images); there is none")
        }
        var options = ForgetMeNotOptions(concept: concept)
        options.template = template
        options.train = train
        options.steps = steps
        options.learningRate = lr
        options.weightDecay = weightDecay
        options.maxGradientNorm = maxGradNorm
        options.batchSize = batchSize
        options.resolution = resolution
        options.usePooler = usePooler
        options.seed = seed
        options.tokenizer = tokenizerOption.compatibility
        options.privacy = try privacyOptions.settings()
        var job = ForgetMeNotJob(
            model: try modelOption.url(), options: options,
            images: images.map { .folder($0) } ?? .generated(count: generateImages ?? 1, steps: generationSteps),
            output: URL(fileURLWithPath: output))
        job.embedding = embedding.map { URL(fileURLWithPath: $0) }
        job.overwrite = overwrite
        job.checkpoints = try checkpointOptions.settings
        job.key = try checkpointOptions.keyFile.key()
        job.imageRecords = try imageRecords.policy()
        job.inputs = config.inputs
        return job
    }

    func erase(on communicator: Communicator, console: Console) throws -> ErasureReport {
        let job = try job()
        var progress = ForgetMeNotJob.Progress()
        // Each image takes --generation-steps UNet calls: the bar shows 0/N at once (this rank's share), then each image.
        let generating = console.progress("generate")
        progress.generating = { done, total in generating?.update(done, of: total) }
        var training: ProgressBar?
        progress.trainingStarts = { resumed in training = console.progress("fmn", total: steps, resumedAt: resumed) }
        progress.step = { step, report in
            training?.update(step)
            if step == 1 || step == steps || step % 10 == 0 {
                console.log(String(format: "step %d: loss %.6f, attention mass %.6f, grad norm %.4g",
                                   step, report.loss, report.attentionMass, report.gradientNorm))
            }
        }
        return try job.run(communicator: communicator, log: console.log, progress: progress)
    }

    func summary(_ report: ErasureReport) -> String {
        guard let concept = report.concepts.first,
              let before = concept.attentionMassBefore, let after = concept.attentionMassAfter else {
            return "wrote \(output)" + PrivacyOptions.summary(report)
        }
        return String(format: "attention mass on '%@': %.6f → %.6f; wrote %@", self.concept, before, after, output)
            + PrivacyOptions.summary(report)
    }
}
