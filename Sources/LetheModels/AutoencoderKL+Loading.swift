import Foundation
import LetheIO

extension AutoencoderKL {
    /// Loads a pipeline's VAE: `COMPONENT/config.json` and its weights, requiring every checkpoint tensor to be used.
    public static func load(from folder: DiffusersModelFolder, component: String = "vae") throws -> AutoencoderKL {
        let configURL = try folder.componentFile(component, "config.json")
        let configuration = try AutoencoderKLConfiguration.load(from: configURL)
        let store = WeightStore(checkpoint: try folder.weights(of: component))
        let model = try AutoencoderKL(configuration: configuration, weights: store, source: configURL.path)
        try store.finish()
        return model
    }
}
