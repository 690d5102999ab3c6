import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure
import LetheWorld

/// `lethe world train`: trains the world's Stable Diffusion from scratch and writes it as a diffusers folder.
struct WorldTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the world's small Stable Diffusion from scratch and write it as a diffusers folder.",
        discussion: """
            Stage 1 trains an AutoencoderKL (64x64 px to 16x16x4 latents; mean squared reconstruction error plus \
            --kl-weight times the KL term) on freshly drawn pictures of the world. Then --training-images pictures \
            are drawn and encoded once, and the VAE's scaling_factor is set to 1 / the standard deviation of their \
            latents. Stage 2 trains a CLIP text encoder (over the real CLIP tokenizer) and a UNet2DConditionModel \
            together on the diffusion objective (epsilon prediction, Stable Diffusion's noise schedule, Min-SNR-γ weighted), with each \
            caption replaced by the empty prompt with probability --caption-dropout for classifier-free guidance. \
            Both stages use AdamW with a cosine schedule after warmup and clip gradients to norm 1. Under mpirun \
            every rank takes its share of each batch and of the pictures to encode; the result does not depend on \
            the number of ranks. With --checkpoint-dir each stage checkpoints in its own subfolder and the same \
            command resumes where it stopped. Each rank runs one OpenBLAS thread (the products are small; more threads \
            only hand work back and forth), so launch one rank per core with mpirun. --output gets model_index.json, scheduler (DDIM), tokenizer, vae, \
            text_encoder and unet, which every lethe command and diffusers' StableDiffusionPipeline load, and \
            world_recipe.json (settings, loss curves, stage times, every file's size and SHA-256).
            """)

    @Option(help: "The model folder to write (a new folder, or one Lethe wrote with --overwrite).")
    var output: String

    @Option(parsing: .unconditional, help: "Seed of the pictures, the initial weights and every random draw.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Optimizer steps of the VAE stage.", valueName: "n"))
    var vaeSteps = WorldTrainingOptions().autoencoder.steps
    @Option(help: ArgumentHelp("Pictures per VAE step, across all ranks.", valueName: "n"))
    var vaeBatchSize = WorldTrainingOptions().autoencoder.batchSize
    @Option(help: ArgumentHelp("Peak learning rate of the VAE stage.", valueName: "lr"))
    var vaeLr = WorldTrainingOptions().autoencoder.learningRate
    @Option(help: ArgumentHelp("Weight of the KL term against the mean squared reconstruction error.", valueName: "w"))
    var klWeight = WorldTrainingOptions().klWeight

    @Option(help: ArgumentHelp("Optimizer steps of the text encoder and UNet stage.", valueName: "n"))
    var steps = WorldTrainingOptions().diffusion.steps
    @Option(help: ArgumentHelp("Pictures per step of that stage, across all ranks.", valueName: "n"))
    var batchSize = WorldTrainingOptions().diffusion.batchSize
    @Option(help: ArgumentHelp("Peak learning rate of that stage.", valueName: "lr"))
    var lr = WorldTrainingOptions().diffusion.learningRate
    @Option(help: ArgumentHelp("Pictures drawn and encoded once for that stage (it walks them epoch after epoch).", valueName: "n"))
    var trainingImages = WorldTrainingOptions().trainingImages
    @Option(help: ArgumentHelp("Probability that a caption is replaced by the empty prompt.", valueName: "p"))
    var captionDropout = WorldTrainingOptions().captionDropout
    @Option(help: ArgumentHelp(
        "Min-SNR-γ weighting of the diffusion loss, as diffusers' --snr_gamma (each timestep's loss weighted by min(SNR, γ) / SNR); 0: plain mean squared error.",
        valueName: "gamma"))
    var snrGamma = WorldTrainingOptions().snrGamma ?? 0

    @Flag(help: "Write the weights as float16 (half the size) instead of float32.")
    var half = false

    @OptionGroup(title: "Checkpoints") var checkpointOptions: CheckpointOptions
    @OptionGroup(title: "Running") var runtime: RuntimeOptions
    @Flag(help: "Replace --output if it is a model folder Lethe wrote.") var overwrite = false

    func validate() throws {
        // The VAE stage's own flags, named here: the shared loop check names the diffusion stage's.
        guard vaeSteps >= 1 else { throw ValidationError("--vae-steps is \(vaeSteps); it must be at least 1") }
        guard vaeBatchSize >= 1 else { throw ValidationError("--vae-batch-size is \(vaeBatchSize); it must be at least 1") }
        guard vaeLr > 0, vaeLr.isFinite else { throw ValidationError("--vae-lr is \(vaeLr); it must be a positive number") }
    }

    func job(command: String) throws -> WorldTrainingJob {
        var options = WorldTrainingOptions()
        options.seed = seed
        options.autoencoder.steps = vaeSteps
        options.autoencoder.batchSize = vaeBatchSize
        options.autoencoder.learningRate = vaeLr
        options.klWeight = klWeight
        options.diffusion.steps = steps
        options.diffusion.batchSize = batchSize
        options.diffusion.learningRate = lr
        options.trainingImages = trainingImages
        options.captionDropout = captionDropout
        options.snrGamma = snrGamma == 0 ? nil : snrGamma
        var job = WorldTrainingJob(options: options, output: URL(fileURLWithPath: output))
        job.overwrite = overwrite
        job.halfPrecision = half
        job.checkpoints = try checkpointOptions.settings
        job.command = command
        return job
    }

    func run() throws {
        let world = try Communicator.world()
        try runtime.start("world train", communicator: world, overwrite: overwrite, inputs: [("output", output)])
        let console = Console(prints: world.rank == 0)
        let job = try job(command: (["lethe"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        try job.validate()
        var progress = WorldTrainingJob.Progress()
        var bar: ProgressBar?
        var stageSteps = 0
        progress.stageStarts = { stage, total, resumed in
            stageSteps = total
            bar = console.progress("world \(stage)", total: total, resumedAt: resumed)
        }
        progress.step = { stage, taken, loss in
            bar?.update(taken)
            if taken == 1 || taken == stageSteps || taken % 100 == 0 {
                console.log(String(format: "%@ step %d: loss %.5f", stage, taken, loss))
            }
        }
        var encodeBar: ProgressBar?
        progress.encoding = { done, total in
            if encodeBar == nil { encodeBar = console.progress("world encode", total: total) }
            encodeBar?.update(done)
        }
        let record = try job.run(communicator: world, log: console.log, progress: progress)
        guard world.rank == 0 else { return }
        let minutes = record.timings.values.reduce(0, +) / 60
        print(String(format: "wrote %@: the world's model (VAE loss %.5f, diffusion loss %.5f, scaling_factor %.4f) in %.1f min on %d rank(s)",
                     output, record.vaeLoss.last ?? .nan, record.diffusionLoss.last ?? .nan, record.scalingFactor,
                     minutes, record.ranks))
    }
}
