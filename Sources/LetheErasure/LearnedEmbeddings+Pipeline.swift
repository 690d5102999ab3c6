import Foundation
import LetheDiffusion
import LetheModels

extension LearnedEmbeddings {
    /// A diffusers folder's pipeline with learned embeddings loaded (diffusers' `load_textual_inversion`): their
    /// tokens in the tokenizer and their vectors in the text encoder's token-embedding table. Prompts must name
    /// the placeholders; expand multi-vector ones with `expanding(_:)` first.
    public static func pipeline(
        folder: DiffusersModelFolder, embeddings: [LearnedEmbeddings],
        tokenizer compatibility: CLIPTokenizer.Compatibility = CLIPTokenizer.defaultCompatibility
    ) throws -> StableDiffusionPipeline {
        let tokenizer = try CLIPTokenizer(folder: folder.componentFolder("tokenizer"), compatibility: compatibility)
        let extended = try extend(tokenizer: tokenizer, textEncoderFolder: folder,
                                  adding: embeddings.map { ($0.tokens, $0.vectors) })
        let unet = try UNet2DConditionModel.load(from: folder)
        let vae = try AutoencoderKL.load(from: folder)
        let scheduler = try SchedulerConfiguration(contentsOf: folder.componentFile("scheduler", "scheduler_config.json"))
        return StableDiffusionPipeline(tokenizer: extended.tokenizer, textEncoder: extended.textEncoder, unet: unet,
                                       vae: vae, schedulerConfiguration: scheduler)
    }
}
