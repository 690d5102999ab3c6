import Foundation
import LetheDistributed
import LetheErasure
import LetheModels

/// A diffusers folder's prompt encoder and UNet key/value projections, for tests of the library's pieces.
struct ClosedFormProjectionsFixture {
    let store: WeightStore
    let projections: CrossAttentionProjections
    let encoder: PromptEncoder

    init(folder url: URL, communicator: Communicator = .singleProcess()) throws {
        let folder = try DiffusersModelFolder(url: url)
        let tokenizer = try CLIPTokenizer(folder: folder.componentFolder("tokenizer"))
        encoder = PromptEncoder(tokenizer: tokenizer, textEncoder: try CLIPTextModel(folder: folder), communicator: communicator)
        store = try UNet2DConditionModel.loadWithWeights(from: folder).weights
        projections = try CrossAttentionProjections(store: store, model: url.path)
    }

    func encode(_ prompt: String) throws -> EncodedPrompt {
        try encoder.encode([prompt])[0]
    }
}
