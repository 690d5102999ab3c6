import Foundation
import LetheIO
import LetheModels
import LetheTensor
import Testing

@Suite struct WeightStoreTests {
    /// A checkpoint with a 2×3 weight and a 2-element bias.
    private func checkpoint() throws -> SafeTensorsFile {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("model.safetensors")
        try SafeTensorsWriter.write([("layer.weight", Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])),
                                     ("layer.bias", Tensor(shape: [2], values: [7, 8]))], metadata: nil, to: url)
        return try SafeTensorsFile.open(url)
    }

    @Test func loadsIntoOneArenaInRequestOrder() throws {
        let store = WeightStore(checkpoint: try checkpoint())
        let layer = try Linear(store, "layer", inFeatures: 3, outFeatures: 2)
        try store.finish()
        #expect(layer.weight.toArray() == [1, 2, 3, 4, 5, 6])
        #expect(layer.bias?.toArray() == [7, 8])
        #expect(layer.weight.storage === store.arena)
        #expect(layer.bias?.storage === store.arena)
        #expect(store.offsets == ["layer.weight": 0, "layer.bias": 6])
        #expect(store.parameterCount == 8)
        let output: [Float] = layer.forward(Tensor(shape: [1, 3], values: [1, 0, -1])).toArray()
        let expected: [Float] = [1 - 3 + 7, 4 - 6 + 8]
        #expect(output == expected)
    }

    @Test func missingWeightIsNamed() throws {
        let store = WeightStore(checkpoint: try checkpoint())
        #expect(throws: ModelLoadingError.self) { try store.tensor("layer.scale", shape: [2]) }
        do {
            _ = try store.tensor("layer.scale", shape: [2])
        } catch let error as ModelLoadingError {
            guard case .missingWeight(_, let key) = error else { Issue.record("wrong error \(error)"); return }
            #expect(key == "layer.scale")
            #expect(error.description.contains("layer.scale"))
        }
    }

    @Test func wrongShapeNamesBothShapes() throws {
        let store = WeightStore(checkpoint: try checkpoint())
        do {
            _ = try Linear(store, "layer", inFeatures: 2, outFeatures: 3)
            Issue.record("a [2, 3] weight loaded as [3, 2]")
        } catch let error as ModelLoadingError {
            #expect(error == .wrongShape(checkpoint: store.checkpointLocation, key: "layer.weight", expected: [3, 2], found: [2, 3]))
        }
    }

    @Test func unusedTensorsFailFinish() throws {
        let store = WeightStore(checkpoint: try checkpoint())
        _ = try store.tensor("layer.weight", shape: [2, 3])
        #expect(throws: ModelLoadingError.unexpectedWeights(checkpoint: store.checkpointLocation, keys: ["layer.bias"])) {
            try store.finish()
        }
        store.ignoreIfPresent("layer.bias")
        try store.finish()
    }

    @Test func randomWeightsFollowThePlannedLayout() throws {
        let (layer, store) = try WeightStore.random(seed: 7) { try Linear($0, "proj", inFeatures: 16, outFeatures: 4) }
        #expect(store.parameterCount == 68)
        #expect(store.layout.map(\.name) == ["proj.weight", "proj.bias"])
        #expect(layer.weight.storage === store.arena)
        #expect(layer.weight.isFinite)
        // Weights scale as 1/sqrt(fan_in): the sample standard deviation of 64 draws is near 0.25.
        let values = layer.weight.toArray().map(Double.init)
        let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(std > 0.15 && std < 0.35)
        let (again, _) = try WeightStore.random(seed: 7) { try Linear($0, "proj", inFeatures: 16, outFeatures: 4) }
        #expect(again.weight.toArray() == layer.weight.toArray())
    }
}
