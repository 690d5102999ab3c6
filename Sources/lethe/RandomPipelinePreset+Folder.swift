import Foundation
import LetheIO
import LetheModels

extension RandomPipelinePreset {
    /// Writes a whole diffusers pipeline folder of this architecture with seeded random weights into `folder`
    /// (which must exist and be empty): model_index.json, the PNDM scheduler config, the real CLIP tokenizer, and
    /// the UNet, text encoder and VAE as float32 safetensors. Every component loads in diffusers'
    /// StableDiffusionPipeline.from_pretrained and in every lethe subcommand; the same seed gives the same files.
    /// Normalisation layers get weight 1 and bias 0, other weights a fan-in scaled normal.
    func writeFolder(to folder: URL, seed: UInt64) throws {
        let fileManager = FileManager.default
        for component in ["scheduler", "tokenizer"] {
            try fileManager.createDirectory(at: folder.appendingPathComponent(component), withIntermediateDirectories: true)
        }
        try Data(Self.modelIndex.utf8).write(to: folder.appendingPathComponent("model_index.json"))
        try Data(Self.scheduler.utf8).write(to: folder.appendingPathComponent("scheduler/scheduler_config.json"))
        try CLIPTokenizer.bundledCLIP(padToken: padToken).save(to: folder.appendingPathComponent("tokenizer"))

        // One component at a time, so that at most one component's weights are in memory.
        let unetConfiguration = try unetConfiguration()
        let (_, unet) = try WeightStore.random(seed: seed) {
            try UNet2DConditionModel(configuration: unetConfiguration, weights: $0)
        }
        try Self.save(unet, config: self.unet, to: folder.appendingPathComponent("unet"), file: "diffusion_pytorch_model")

        let textConfiguration = try textEncoderConfiguration()
        let (_, text) = try WeightStore.random(seed: seed &+ 1) {
            try CLIPTextModel(configuration: textConfiguration, weights: $0)
        }
        try Self.save(text, config: textEncoder, to: folder.appendingPathComponent("text_encoder"), file: "model",
                      prefix: "text_model.")

        let vaeConfiguration = try AutoencoderKLConfiguration.decode(Data(vae.utf8), source: "preset \(rawValue)")
        let (_, autoencoder) = try WeightStore.random(seed: seed &+ 2) {
            try AutoencoderKL(configuration: vaeConfiguration, weights: $0)
        }
        try Self.save(autoencoder, config: vae, to: folder.appendingPathComponent("vae"), file: "diffusion_pytorch_model")
    }

    /// Writes the folder at `destination` (which must not exist) through a staging folder renamed into place, so
    /// an interrupted write never leaves a folder that looks complete.
    func writeFolder(at destination: String, seed: UInt64) throws {
        let staging = try StagingFolder(destination: destination)
        try staging.fill { try writeFolder(to: $0, seed: seed) }
        try staging.commit(replacing: false)
    }

    /// Writes a component's config.json and weights; normalisation layers get weight 1 and bias 0.
    private static func save(_ store: WeightStore, config: String, to folder: URL, file: String, prefix: String = "") throws {
        let tensors = store.namedTensors(prefix: prefix)
        for (name, tensor) in tensors where tensor.rank == 1 && name.contains("norm") {
            tensor.fill(name.hasSuffix(".weight") ? 1 : 0)
        }
        try WeightStore.writeComponent(config: config, tensors: tensors, to: folder, file: file)
    }
}
