import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// `WeightLoading.mapped`: float32 weights used in place from the file's read-only mapping, everything else
/// converted once into the arena, with the same strict checks and values as `.arena`.
@Suite struct MappedWeightLoadingTests {
    private static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-mapped-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A checkpoint with a 2×3 weight and a 2-element bias in `dtype`.
    private static func checkpoint(dtype: SafeTensorDType = .f32, bias: [Float] = [7, 8]) throws -> SafeTensorsFile {
        let url = try folder().appendingPathComponent("model.safetensors")
        try SafeTensorsWriter.write([("layer.weight", Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])),
                                     ("layer.bias", Tensor(shape: [2], values: bias))], metadata: nil, dtype: dtype, to: url)
        return try SafeTensorsFile.open(url)
    }

    /// A file whose float32 tensors start 2 bytes into the data (after a one-element float16 tensor), so their
    /// data is not 4-byte aligned in the mapping: the safetensors format allows it, though writers avoid it.
    private static func misalignedCheckpoint() throws -> SafeTensorsFile {
        let header = """
            {"pad":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},\
            "layer.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[2,26]},\
            "layer.bias":{"dtype":"F32","shape":[2],"data_offsets":[26,34]}}
            """
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var bytes: [UInt8] = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) } + headerBytes
        bytes += [0x00, 0x3C]  // 1.0 as float16
        for value: Float in [1, 2, 3, 4, 5, 6, 7, 8] {
            bytes += withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        }
        let url = try folder().appendingPathComponent("misaligned.safetensors")
        try Data(bytes).write(to: url)
        return try SafeTensorsFile.open(url)
    }

    @Test func float32WeightsAreUsedInPlaceFromTheMapping() throws {
        let file = try Self.checkpoint()
        let store = WeightStore(checkpoint: file, loading: .mapped)
        let layer = try Linear(store, "layer", inFeatures: 3, outFeatures: 2)
        try store.finish()
        #expect(layer.weight.toArray() == [1, 2, 3, 4, 5, 6])
        #expect(layer.bias?.toArray() == [7, 8])
        // No copy: the weight is the file's own memory (the tensor the reader hands out), and the arena is empty.
        #expect(layer.weight.storage.base == (try file.tensor(named: "layer.weight")).storage.base)
        #expect(layer.weight.storage !== store.arena)
        #expect(store.arena.count == 0)
        #expect(Set(store.mapped.keys) == ["layer.weight", "layer.bias"])
        #expect(!store.ownsEveryWeight)
        #expect(store.parameterCount == 8)
        #expect(store.weight(named: "layer.bias")?.toArray() == [7, 8])
        #expect(store.namedTensors().map(\.0) == ["layer.weight", "layer.bias"])
    }

    /// Arena loading copies every weight, then drops the file's resident pages, so that a training job's weights
    /// are not counted twice in its memory; mapped loading uses those pages as its weights and keeps them.
    @Test(arguments: [WeightLoading.arena, .mapped])
    func arenaLoadingReleasesTheFilesPages(loading: WeightLoading) throws {
        let file = try Self.checkpoint()
        let filePage = try file.tensor(named: "layer.weight").storage.base
        let store = WeightStore(checkpoint: file, loading: loading)
        let layer = try Linear(store, "layer", inFeatures: 3, outFeatures: 2)
        #expect(try #require(residentPages(ofMappingHolding: filePage)?["Rss"]) > 0)
        try store.finish()
        let resident = try #require(residentPages(ofMappingHolding: filePage)?["Rss"])
        #expect(loading == .arena ? resident == 0 : resident > 0, "\(loading): \(resident) kB resident")
        #expect(layer.weight.toArray() == [1, 2, 3, 4, 5, 6])
        #expect(layer.bias?.toArray() == [7, 8])
    }

    @Test(arguments: [SafeTensorDType.f16, .bf16])
    func halfPrecisionIsConvertedOnceIntoTheArena(dtype: SafeTensorDType) throws {
        let store = WeightStore(checkpoint: try Self.checkpoint(dtype: dtype), loading: .mapped)
        let layer = try Linear(store, "layer", inFeatures: 3, outFeatures: 2)
        try store.finish()
        #expect(layer.weight.toArray() == [1, 2, 3, 4, 5, 6])
        #expect(layer.weight.storage === store.arena)
        #expect(store.arena.count == 8)
        #expect(store.mapped.isEmpty)
        #expect(store.ownsEveryWeight)
    }

    @Test(arguments: [WeightLoading.arena, .mapped])
    func misalignedFloat32IsCopied(loading: WeightLoading) throws {
        let file = try Self.misalignedCheckpoint()
        let store = WeightStore(checkpoint: file, loading: loading)
        let layer = try Linear(store, "layer", inFeatures: 3, outFeatures: 2)
        store.ignoreIfPresent("pad")
        try store.finish()
        #expect(layer.weight.toArray() == [1, 2, 3, 4, 5, 6])
        #expect(layer.bias?.toArray() == [7, 8])
        #expect(Int(bitPattern: layer.weight.storage.base) % MemoryLayout<Float>.alignment == 0)
    }

    @Test func strictChecksHoldWhenMapped() throws {
        let mappedStore = { WeightStore(checkpoint: try Self.checkpoint(), loading: .mapped) }
        // A missing weight, a wrong shape and an unused tensor are named as with the arena.
        #expect(throws: ModelLoadingError.self) { try mappedStore().tensor("layer.scale", shape: [2]) }
        #expect(throws: ModelLoadingError.self) { try mappedStore().tensor("layer.weight", shape: [3, 2]) }
        let partial = try mappedStore()
        _ = try partial.tensor("layer.weight", shape: [2, 3])
        #expect(throws: ModelLoadingError.unexpectedWeights(checkpoint: partial.checkpointLocation, keys: ["layer.bias"])) {
            try partial.finish()
        }
        let broken = WeightStore(checkpoint: try Self.checkpoint(bias: [7, .nan]), loading: .mapped)
        _ = try broken.tensor("layer.weight", shape: [2, 3])
        #expect(throws: ModelLoadingError.nonFiniteWeight(checkpoint: broken.checkpointLocation, key: "layer.bias")) {
            try broken.tensor("layer.bias", shape: [2])
        }
    }

    @Test func mappedWeightsRefuseTraining() throws {
        let store = WeightStore(checkpoint: try Self.checkpoint(), loading: .mapped)
        _ = try Linear(store, "layer", inFeatures: 3, outFeatures: 2)
        #expect(throws: TrainingError.mappedWeights(model: "the layer")) {
            try ParameterGradients(store: store, selection: ParameterSelection(["layer"]), modelName: "the layer")
        }
        // The same weights loaded into the arena train.
        let owned = WeightStore(checkpoint: try Self.checkpoint())
        _ = try Linear(owned, "layer", inFeatures: 3, outFeatures: 2)
        #expect(throws: Never.self) {
            try ParameterGradients(store: owned, selection: ParameterSelection(["layer"]), modelName: "the layer")
        }
    }
}
