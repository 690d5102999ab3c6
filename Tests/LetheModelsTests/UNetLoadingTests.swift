import Foundation
import LetheTestSupport
import Testing
import LetheIO
import LetheModels
import LetheTensor

@Suite struct UNetLoadingTests {
    /// A copy of the sd1-tiny pipeline's model_index.json and unet/config.json with the UNet weights `edit` returns.
    private func pipelineWithEditedUNet(_ edit: ([(String, Tensor)]) -> [(String, Tensor)]) throws -> URL {
        let source = Fixture.pipeline("sd1-tiny")
        let folder = try UNetFixtures.temporaryFolder()
        let unet = folder.appendingPathComponent("unet")
        try FileManager.default.createDirectory(at: unet, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("model_index.json"),
                                         to: folder.appendingPathComponent("model_index.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("unet/config.json"),
                                         to: unet.appendingPathComponent("config.json"))
        let weights = try SafeTensorsFile.open(source.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        let tensors = try weights.tensorNames.map { ($0, try weights.tensor(named: $0)) }
        try SafeTensorsWriter.write(edit(tensors), to: unet.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        return folder
    }

    private func load(_ folder: URL) throws -> UNet2DConditionModel {
        try UNet2DConditionModel.load(from: DiffusersModelFolder(url: folder))
    }

    @Test func everyCheckpointTensorIsUsed() throws {
        let model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        let weights = try SafeTensorsFile.open(Fixture.pipeline("sd1-tiny").appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        #expect(model.parameterCount == weights.infos.reduce(0) { $0 + $1.elementCount })
    }

    @Test func attentionLayersCarryDiffusersNames() throws {
        let model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        var expected: [String] = []
        func add(_ block: String, _ count: Int) {
            for index in 0..<count {
                expected += ["attn1", "attn2"].map { "\(block).attentions.\(index).transformer_blocks.0.\($0)" }
            }
        }
        add("down_blocks.0", 2); add("down_blocks.1", 2); add("mid_block", 1); add("up_blocks.1", 3); add("up_blocks.2", 3)
        #expect(model.attentionLayers.map(\.name) == expected)
        #expect(model.attentionLayers.map(\.kind) == expected.map { $0.hasSuffix("attn1") ? .selfAttention : .crossAttention })
        #expect(model.attentionLayerKinds["up_blocks.2.attentions.1.transformer_blocks.0.attn2"] == .crossAttention)
        #expect(model.attentionLayerKinds.count == 22)
        // sd1-tiny: 4 heads everywhere; 16 channels in the outer blocks, 32 inside.
        let outer = try #require(model.attentionLayers.first { $0.name.hasPrefix("up_blocks.2") })
        #expect(outer.heads == 4 && outer.headDimension == 4 && outer.scale == 0.5)
        let inner = try #require(model.attentionLayers.first { $0.name.hasPrefix("mid_block") })
        #expect(inner.heads == 4 && inner.headDimension == 8)
        #expect(inner.toKey.weight.shape == [32, 32])
        let cross = try #require(model.attentionLayers.first { $0.name == "mid_block.attentions.0.transformer_blocks.0.attn2" })
        #expect(cross.toKey.weight.shape == [32, 8] && cross.toKey.bias == nil && cross.toOut.bias != nil)
    }

    @Test func upBlocksUseTheHeadListReversed() throws {
        // sd2-tiny: attention_head_dim (head counts) [2, 4, 4]; up block i takes entry 2 − i.
        let model = try UNet2DConditionModel.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd2-tiny")))
        func heads(_ prefix: String) -> Set<Int> { Set(model.attentionLayers.filter { $0.name.hasPrefix(prefix) }.map(\.heads)) }
        #expect(heads("down_blocks.0") == [2] && heads("down_blocks.1") == [4] && heads("mid_block") == [4])
        #expect(heads("up_blocks.1") == [4] && heads("up_blocks.2") == [2])
        #expect(Set(model.attentionLayers.map(\.headDimension)) == [8])
    }

    @Test func missingWeightIsNamed() throws {
        let folder = try pipelineWithEditedUNet { $0.filter { $0.0 != "mid_block.attentions.0.proj_in.weight" } }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try load(folder)
        } throws: { error in
            guard case ModelLoadingError.missingWeight(_, let key) = error else { return false }
            return key == "mid_block.attentions.0.proj_in.weight"
        }
    }

    @Test func wrongShapeIsNamed() throws {
        let folder = try pipelineWithEditedUNet { tensors in
            tensors.map { $0.0 == "up_blocks.1.resnets.2.conv1.weight" ? ($0.0, Tensor(zeros: [32, 48, 3, 1])) : $0 }
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try load(folder)
        } throws: { error in
            guard case ModelLoadingError.wrongShape(_, let key, let expected, let found) = error else { return false }
            return key == "up_blocks.1.resnets.2.conv1.weight" && expected == [32, 48, 3, 3] && found == [32, 48, 3, 1]
        }
    }

    @Test func unexpectedWeightIsNamed() throws {
        let folder = try pipelineWithEditedUNet { $0 + [("add_embedding.linear_1.weight", Tensor(zeros: [4, 4]))] }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try load(folder)
        } throws: { error in
            guard case ModelLoadingError.unexpectedWeights(_, let keys) = error else { return false }
            return keys == ["add_embedding.linear_1.weight"]
        }
    }
}
