import Foundation
import LetheIO

extension UNet2DConditionModel {
    /// Loads a pipeline's UNet: `COMPONENT/config.json` and its weights (any variant or sharding
    /// `DiffusersModelFolder` finds), requiring every checkpoint tensor to be used.
    public static func load(from folder: DiffusersModelFolder, component: String = "unet") throws -> UNet2DConditionModel {
        let configURL = try folder.componentFile(component, "config.json")
        let configuration = try UNet2DConditionConfiguration.load(from: configURL)
        let store = WeightStore(checkpoint: try folder.weights(of: component))
        let model = try UNet2DConditionModel(configuration: configuration, weights: store, source: configURL.path)
        try store.finish()
        return model
    }
}
