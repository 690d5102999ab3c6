import ArgumentParser
import Foundation
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor

/// `lethe fmn`: Forget-Me-Not's attention re-steering, data-parallel across MPI ranks.
struct FMN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmn",
        abstract: "Erase a concept by steering cross-attention away from its tokens (Forget-Me-Not).",
        discussion: """
            Trains the UNet (all of it, or --train attn2) to lower the norm of the attention every attn2 layer gives \
            to the concept's tokens in "a photo of CONCEPT", on noised latents of images of the concept (--images, \
            or --generate-images N made with the base model). Writes a complete diffusers folder with \
            erasure-report.json (rank 0). Under mpirun the global batch is split across ranks.
            """)

    @OptionGroup var config: ConfigOption

    @Option(help: "A diffusers model folder.") var model: String
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
    @Option(parsing: .unconditional, help: "Clip the global gradient norm to this.") var maxGradNorm = 1.0
    @Option(parsing: .unconditional, help: "Samples per step across all ranks.") var batchSize = 1
    @Option(parsing: .unconditional, help: "Training image side in pixels. Default: the model's image size.") var resolution: Int?
    @Flag(help: "Also steer attention away from the end-of-text (pooled) token.") var usePooler = false
    @Option(parsing: .unconditional, help: "Seed of every random draw.") var seed: UInt64 = 0
    @Flag(help: "Replace --output if it is an erased model folder Lethe wrote (anything else is kept).") var overwrite = false
    @Option(help: "Output diffusers folder.") var output: String

    func run() throws {
        let communicator = try Communicator.world()
        let isMain = communicator.rank == 0
        guard (images == nil) != (generateImages == nil) else {
            throw ErasureError.invalidArgument(name: "--images", reason: "and --generate-images: give exactly one of them")
        }
        // Sizes first, before the model loads.
        if let generateImages {
            guard generateImages >= 1 else {
                throw ErasureError.invalidArgument(name: "--generate-images", reason: "is \(generateImages); it must be at least 1")
            }
            guard generationSteps >= 1 else {
                throw ErasureError.invalidArgument(name: "--generation-steps", reason: "is \(generationSteps); it must be at least 1")
            }
        }
        if let resolution { try ResourceBounds.check("--resolution", resolution, in: 1...ResourceBounds.maximumImageSide, unit: "pixels") }
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
        let destination = URL(fileURLWithPath: output)
        var timings: [String: Double] = [:]
        var clock = Date()
        func lap(_ name: String) { timings[name] = Date().timeIntervalSince(clock); clock = Date() }

        let folder = try DiffusersModelFolder(url: URL(fileURLWithPath: model))
        // Rank 0 writes: it checks the output and the components it copies before any work.
        let inputs = config.inputs + [images.map { OutputGuard.Input($0, role: "image folder") },
                                      embedding.map { OutputGuard.Input($0, role: "embedding file") }].compactMap { $0 }
        let writer = isMain
            ? try ErasedModelWriter(source: folder, destination: destination, overwrite: overwrite, inputs: inputs) : nil
        let embeddings = try embedding.map { [try LearnedEmbeddings(contentsOf: URL(fileURLWithPath: $0))] } ?? []
        let imageFolder = try images.map { try ImageFolder(path: $0) }
        let trainer = try ForgetMeNotTrainer(folder: folder, options: options, embeddings: embeddings)
        if isMain, let warning = trainer.truncationWarning {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        // Before any image is generated or batch made: both must fit in memory; a batch above the image count is stated.
        try TrainingMemory.checkBatch(batchSize: batchSize, ranks: communicator.size, side: trainer.imageSize,
                                      unet: trainer.unet.configuration, vae: trainer.vae.configuration)
        if isMain {
            BatchNotice.print(batchSize: batchSize, imageCount: imageFolder?.count ?? generateImages ?? 1,
                              source: imageFolder == nil ? "--generate-images" : "--images")
        }
        lap("load_seconds")
        let trainingFolder: ImageFolder
        if let imageFolder {
            trainingFolder = imageFolder
        } else {
            let pipeline = try StableDiffusionPipeline(folder: folder, embeddings: embeddings, tokenizer: options.tokenizer)
            let trainTimesteps = pipeline.schedulerConfiguration.numTrainTimesteps ?? 1000
            guard generationSteps <= trainTimesteps else {
                throw ErasureError.invalidArgument(
                    name: "--generation-steps", reason: "is \(generationSteps); it must be at most \(trainTimesteps) (the scheduler's num_train_timesteps)")
            }
            try TrainingMemory.checkGeneratedImages(count: generateImages ?? 1, side: trainer.imageSize, pipeline: pipeline)
            // Each image takes --generation-steps UNet calls: the bar shows 0/N at once (this rank's share), then each image.
            let bar = isMain ? ProgressBar("generate") : nil
            trainingFolder = try trainer.generateImages(count: generateImages ?? 1, pipeline: pipeline, steps: generationSteps,
                                                        communicator: communicator) { done, total in bar?.update(done, of: total) }
        }
        let data = try TrainingImages(folder: trainingFolder, size: trainer.imageSize,
                                      preprocessing: .forgetMeNot(centerCrop: false), seed: seed)
        lap("images_seconds")
        let before = try trainer.evaluateAttentionMass(images: data, communicator: communicator)
        let bar = isMain ? ProgressBar(started: "fmn", total: steps) : nil
        let reports = try trainer.train(images: data, communicator: communicator) { step, report in
            bar?.update(step)
            if isMain, step == 1 || step == steps || step % 10 == 0 {
                FileHandle.standardError.write(Data(String(format: "step %d: loss %.6f, attention mass %.6f, grad norm %.4g\n",
                                                           step, report.loss, report.attentionMass, report.gradientNorm).utf8))
            }
        }
        lap("train_seconds")
        let after = try trainer.evaluateAttentionMass(images: data, communicator: communicator)
        lap("evaluate_seconds")
        guard var writer else { return }
        let report = ForgetMeNotReport(
            model: model, concept: concept, prompt: trainer.prompt, conceptPositions: trainer.positions, train: train,
            steps: steps, learningRate: lr, batchSize: batchSize, ranks: communicator.size, usePooler: usePooler, seed: seed,
            attentionMassBefore: before, attentionMassAfter: after, lossPerStep: reports.map(\.loss),
            gradientNormPerStep: reports.map(\.gradientNorm), timings: timings)
        writer.replaceWeights(of: "unet", with: trainer.unetStore)
        writer.addFile(named: "erasure-report.json", contents: try report.jsonData())
        try writer.commit()
        FileHandle.standardError.write(Data(String(format: "attention mass on '%@': %.6f → %.6f; wrote %@\n",
                                                   concept, before, after, output).utf8))
    }
}
