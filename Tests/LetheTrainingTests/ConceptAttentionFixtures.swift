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
        let folder = try DiffusersModelFolder(url: root.appendingPathComponent("pipelines/\(pipeline)"))
        let configURL = try folder.componentFile("unet", "config.json")
        let configuration = try UNet2DConditionConfiguration.load(from: configURL)
        let store = WeightStore(checkpoint: try folder.weights(of: "unet"))
        let model = try UNet2DConditionModel(configuration: configuration, weights: store, source: configURL.path)
        try store.finish()
        return (model, store)
    }

    /// max|a − b| / max|b| (0 when both are all zero, infinite when only the reference is).
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        precondition(actual.shape == expected.shape, "shapes differ: \(actual.shape) vs \(expected.shape)")
        var difference = 0.0, reference = 0.0
        for (a, b) in zip(actual.toArray(), expected.toArray()) {
            difference = max(difference, abs(Double(a) - Double(b)))
            reference = max(reference, abs(Double(b)))
        }
        return reference > 0 ? difference / reference : (difference == 0 ? 0 : .infinity)
    }
}
