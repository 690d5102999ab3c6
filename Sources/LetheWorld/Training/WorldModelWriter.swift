import Foundation
import LetheIO
import LetheModels

/// Writes the trained world as a diffusers `StableDiffusionPipeline` folder: model_index.json, scheduler,
/// tokenizer (the real CLIP tokenizer), vae (with the measured scaling factor), text_encoder (transformers'
/// `text_model.` names) and unet.
struct WorldModelWriter {
    let halfPrecision: Bool

    func write(vae: WeightStore, scalingFactor: Double, textEncoder: CLIPTextModel, unet: UNet2DConditionModel,
               store: WeightStore, to folder: URL) throws {
        let dtype: SafeTensorDType = halfPrecision ? .f16 : .f32
        try AtomicFileOutput.write(Array(WorldModelRecipe.modelIndex.utf8), to: folder.appendingPathComponent("model_index.json").path)
        let scheduler = folder.appendingPathComponent("scheduler")
        try FileManager.default.createDirectory(at: scheduler, withIntermediateDirectories: true)
        try AtomicFileOutput.write(Array(WorldModelRecipe.scheduler.utf8),
                                   to: scheduler.appendingPathComponent("scheduler_config.json").path)
        try CLIPTokenizer.bundledCLIP(padToken: CLIPTokenizer.endOfText).save(to: folder.appendingPathComponent("tokenizer"))
        try WeightStore.writeComponent(
            config: WorldModelRecipe.vae(scalingFactor: scalingFactor), tensors: vae.namedTensors(),
            to: folder.appendingPathComponent("vae"), file: "diffusion_pytorch_model", dtype: dtype)
        // The text encoder and the UNet share one arena: each component's file holds the names its own model asks for.
        let textNames = try Self.names { try CLIPTextModel(configuration: textEncoder.configuration, weights: $0) }
        let unetNames = try Self.names { try UNet2DConditionModel(configuration: unet.configuration, weights: $0) }
        try WeightStore.writeComponent(
            config: WorldModelRecipe.textEncoder, tensors: store.namedTensors(prefix: "text_model.", only: textNames),
            to: folder.appendingPathComponent("text_encoder"), file: "model", dtype: dtype)
        try WeightStore.writeComponent(
            config: WorldModelRecipe.unet, tensors: store.namedTensors(only: unetNames),
            to: folder.appendingPathComponent("unet"), file: "diffusion_pytorch_model", dtype: dtype)
    }

    /// The parameter names a model asks for, from a layout plan (no memory).
    private static func names<Model>(_ build: (WeightStore) throws -> Model) throws -> Set<String> {
        let plan = WeightStore(source: .planning)
        _ = try build(plan)
        return Set(plan.layout.map(\.name))
    }
}
