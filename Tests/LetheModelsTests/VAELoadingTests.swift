import Foundation
import LetheTestSupport
import Testing
import LetheIO
import LetheModels
import LetheTensor

@Suite struct VAELoadingTests {
    /// A copy of the sd1-tiny pipeline's model_index.json and vae/config.json with the VAE weights `edit` returns.
    private func pipelineWithEditedVAE(_ edit: ([(String, Tensor)]) -> [(String, Tensor)]) throws -> URL {
        let source = Fixture.pipeline("sd1-tiny")
        let folder = try UNetFixtures.temporaryFolder()
        let vae = folder.appendingPathComponent("vae")
        try FileManager.default.createDirectory(at: vae, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("model_index.json"),
                                         to: folder.appendingPathComponent("model_index.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("vae/config.json"),
                                         to: vae.appendingPathComponent("config.json"))
        let weights = try SafeTensorsFile.open(source.appendingPathComponent("vae/diffusion_pytorch_model.safetensors"))
        let tensors = try weights.tensorNames.map { ($0, try weights.tensor(named: $0)) }
        try SafeTensorsWriter.write(edit(tensors), to: vae.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        return folder
    }

    @Test func everyCheckpointTensorIsUsed() throws {
        let vae = try AutoencoderKL.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd2-tiny")))
        let weights = try SafeTensorsFile.open(Fixture.pipeline("sd2-tiny").appendingPathComponent("vae/diffusion_pytorch_model.fp16.safetensors"))
        #expect(vae.parameterCount == weights.infos.reduce(0) { $0 + $1.elementCount })
        #expect(vae.encoder.midBlock.attention?.attention.name == "encoder.mid_block.attentions.0")
        #expect(vae.decoder.upBlockResnets.map(\.count) == [2, 2, 2])
    }

    @Test func missingWeightIsNamed() throws {
        let folder = try pipelineWithEditedVAE { $0.filter { $0.0 != "decoder.mid_block.attentions.0.to_v.bias" } }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try AutoencoderKL.load(from: DiffusersModelFolder(url: folder))
        } throws: { error in
            guard case ModelLoadingError.missingWeight(_, let key) = error else { return false }
            return key == "decoder.mid_block.attentions.0.to_v.bias"
        }
    }

    @Test func wrongShapeIsNamed() throws {
        let folder = try pipelineWithEditedVAE { tensors in
            tensors.map { $0.0 == "quant_conv.weight" ? ($0.0, Tensor(zeros: [8, 8, 3, 3])) : $0 }
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try AutoencoderKL.load(from: DiffusersModelFolder(url: folder))
        } throws: { error in
            guard case ModelLoadingError.wrongShape(_, let key, let expected, let found) = error else { return false }
            return key == "quant_conv.weight" && expected == [8, 8, 1, 1] && found == [8, 8, 3, 3]
        }
    }

    @Test func unexpectedWeightIsNamed() throws {
        let folder = try pipelineWithEditedVAE { $0 + [("encoder.mid_block.attentions.1.to_q.weight", Tensor(zeros: [32, 32]))] }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try AutoencoderKL.load(from: DiffusersModelFolder(url: folder))
        } throws: { error in
            guard case ModelLoadingError.unexpectedWeights(_, let keys) = error else { return false }
            return keys == ["encoder.mid_block.attentions.1.to_q.weight"]
        }
    }

    @Test func badInputsAreReported() throws {
        let vae = try AutoencoderKL.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        #expect(throws: VAEInputError.imageShape(found: [1, 4, 32, 32], inChannels: 3)) {
            try vae.encode(Tensor(zeros: [1, 4, 32, 32]))
        }
        // Three blocks downsample twice: 4 pixels is the least that survives both.
        #expect(throws: VAEInputError.imageTooSmall(found: [1, 3, 3, 16], minimum: 4)) {
            try vae.encode(Tensor(zeros: [1, 3, 3, 16]))
        }
        #expect(try vae.encode(Tensor(zeros: [1, 3, 4, 4])).mean.shape == [1, 4, 1, 1])
        #expect(throws: VAEInputError.latentShape(found: [1, 3, 8, 8], latentChannels: 4)) {
            try vae.decode(Tensor(zeros: [1, 3, 8, 8]))
        }
    }
}
