import ArgumentParser
import Foundation
import LetheDistributed
import LetheIO
import LetheModels
import LetheTensor

/// `lethe create-model`: a diffusers folder with a Stable Diffusion architecture and random weights.
struct CreateModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-model",
        abstract: "Write a diffusers model folder with a Stable Diffusion architecture and random weights.",
        discussion: """
            For demos, tests and benchmarks: every component (UNet, CLIP text encoder with the real CLIP \
            tokenizer, VAE, PNDM scheduler) is loadable by diffusers' StableDiffusionPipeline.from_pretrained and \
            by every lethe subcommand. Weights are drawn from a seeded normal (fan-in scaled; norm layers start \
            at weight 1, bias 0), so the same seed gives the same files. The images it generates are noise.
            """)

    @Option(help: "Architecture: tiny (a few MB), sd15 or sd21 (Stable Diffusion 1.5's or 2.1's sizes, about 5 GB).")
    var preset: RandomPipelinePreset = .tiny

    @Option(parsing: .unconditional, help: "Seed of the random weights.")
    var seed: UInt64 = 0

    @Option(help: "The folder to write (must not exist).")
    var output: String

    func run() throws {
        guard try Communicator.world().rank == 0 else { return }
        let destination = try OutputGuard.check(
            output: output, kind: .modelFolder(marker: "model_index.json"), inputs: [], overwrite: false, canOverwrite: false)
        let staging = try StagingFolder(destination: destination)
        try staging.fill { try write(preset, to: $0) }
        try staging.commit(replacing: false)
        print("wrote \(output): a random \(preset.rawValue) Stable Diffusion model (seed \(seed))")
    }

    private func write(_ preset: RandomPipelinePreset, to folder: URL) throws {
        let fileManager = FileManager.default
        for component in ["scheduler", "tokenizer"] {
            try fileManager.createDirectory(at: folder.appendingPathComponent(component), withIntermediateDirectories: true)
        }
        try Data(RandomPipelinePreset.modelIndex.utf8).write(to: folder.appendingPathComponent("model_index.json"))
        try Data(RandomPipelinePreset.scheduler.utf8)
            .write(to: folder.appendingPathComponent("scheduler/scheduler_config.json"))
        try CLIPTokenizer.bundledCLIP(padToken: preset.padToken).save(to: folder.appendingPathComponent("tokenizer"))

        let unetConfiguration = try preset.unetConfiguration()
        let (_, unet) = try WeightStore.random(seed: seed) {
            try UNet2DConditionModel(configuration: unetConfiguration, weights: $0)
        }
        try save(unet, config: preset.unet, to: folder.appendingPathComponent("unet"), file: "diffusion_pytorch_model")

        let textConfiguration = try preset.textEncoderConfiguration()
        let (_, text) = try WeightStore.random(seed: seed &+ 1) {
            try CLIPTextModel(configuration: textConfiguration, weights: $0)
        }
        try save(text, config: preset.textEncoder, to: folder.appendingPathComponent("text_encoder"), file: "model",
                 prefix: "text_model.")

        let vaeConfiguration = try AutoencoderKLConfiguration.decode(Data(preset.vae.utf8), source: "preset \(preset)")
        let (_, vae) = try WeightStore.random(seed: seed &+ 2) {
            try AutoencoderKL(configuration: vaeConfiguration, weights: $0)
        }
        try save(vae, config: preset.vae, to: folder.appendingPathComponent("vae"), file: "diffusion_pytorch_model")
    }

    /// Writes a component's config.json and weights; normalisation layers get weight 1 and bias 0.
    private func save(_ store: WeightStore, config: String, to folder: URL, file: String, prefix: String = "") throws {
        let tensors = store.namedTensors(prefix: prefix)
        for (name, tensor) in tensors where tensor.rank == 1 && name.contains("norm") {
            tensor.fill(name.hasSuffix(".weight") ? 1 : 0)
        }
        try WeightStore.writeComponent(config: config, tensors: tensors, to: folder, file: file)
    }
}
