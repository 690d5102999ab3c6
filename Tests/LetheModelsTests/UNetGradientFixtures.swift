import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport

/// The tiny UNets with their weight stores (for gradient buffers) and the float64 autograd references of
/// Scripts/reference/make_unet_gradient_fixtures.py.
enum UNetGradientFixtures {
    static func references(_ pipeline: String) throws -> SafeTensorsFile {
        try Fixture.references("unet-gradients-\(pipeline)")
    }

    /// The pipeline's UNet as `load(from:)` builds it, with its store; `centerInputSample` overrides the config.
    static func model(_ pipeline: String, centerInputSample: Bool? = nil) throws -> (UNet2DConditionModel, WeightStore) {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline(pipeline))
        let configURL = try folder.componentFile("unet", "config.json")
        var configuration = try UNet2DConditionConfiguration.load(from: configURL)
        if let centerInputSample { configuration.centerInputSample = centerInputSample }
        let store = WeightStore(checkpoint: try folder.weights(of: "unet"))
        let model = try UNet2DConditionModel(configuration: configuration, weights: store, source: configURL.path)
        try store.finish()
        return (model, store)
    }
}

/// The worst of many gradient comparisons, with its name.
struct WorstGradientError: CustomStringConvertible {
    private(set) var relative = 0.0
    private(set) var name = "(none)"
    private(set) var compared = 0

    mutating func record(_ error: RelativeError, _ tensorName: String) {
        compared += 1
        if error.value >= relative {
            relative = error.value
            name = tensorName
        }
    }

    var description: String {
        "worst \(String(format: "%.3e", relative)) at \(name) over \(compared) tensors"
    }
}
