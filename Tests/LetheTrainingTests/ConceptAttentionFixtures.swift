import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport

/// The committed tiny UNets and their Forget-Me-Not references (Scripts/reference/make_unet_gradient_fixtures.py).
enum ConceptAttentionFixtures {
    static func references(_ pipeline: String) throws -> SafeTensorsFile {
        try Fixture.references("unet-gradients-\(pipeline)")
    }

    static func model(_ pipeline: String) throws -> (UNet2DConditionModel, WeightStore) {
        try UNet2DConditionModel.loadWithWeights(
            from: DiffusersModelFolder(url: Fixture.pipeline(pipeline)))
    }
}
