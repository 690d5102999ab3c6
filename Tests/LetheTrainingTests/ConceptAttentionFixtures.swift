import Foundation
import LetheIO
import LetheModels
import LetheTensor

/// The committed tiny UNets and their Forget-Me-Not references (Scripts/reference/make_unet_gradient_fixtures.py),
/// found from this file's path.
enum ConceptAttentionFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func references(_ pipeline: String) throws -> SafeTensorsFile {
        try SafeTensorsFile.open(root.appendingPathComponent("references/unet-gradients-\(pipeline).safetensors"))
    }

    static func model(_ pipeline: String) throws -> (UNet2DConditionModel, WeightStore) {
        try UNet2DConditionModel.loadWithWeights(
            from: DiffusersModelFolder(url: root.appendingPathComponent("pipelines/\(pipeline)")))
    }
}
