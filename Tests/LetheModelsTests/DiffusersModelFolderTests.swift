import Foundation
import LetheIO
import LetheModels
import LetheTestSupport
import Testing

@Suite struct DiffusersModelFolderTests {
    @Test func readsTheComponentsOfModelIndex() throws {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny"))
        #expect(folder.components["unet"] == ["diffusers", "UNet2DConditionModel"])
        #expect(folder.components["text_encoder"] == ["transformers", "CLIPTextModel"])
        #expect(folder.components["scheduler"] == ["diffusers", "PNDMScheduler"])
    }

    @Test func fullPrecisionWeightsFirst() throws {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny"))
        let weights = try folder.weights(of: "unet")
        #expect(weights.files.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["diffusion_pytorch_model.safetensors"])
        #expect(try folder.weights(of: "text_encoder").files.count == 1)
    }

    @Test func fallsBackToTheFP16VariantAndItsShardIndex() throws {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline("sd2-tiny"))
        let unet = try folder.weights(of: "unet")
        #expect(unet.files.count > 1)
        #expect(unet.indexes.first?.url.lastPathComponent == "diffusion_pytorch_model.safetensors.index.fp16.json")
        #expect(unet.info(named: "conv_in.weight")?.dtype == .f16)
        let explicit = try DiffusersModelFolder(url: Fixture.pipeline("sd2-tiny"), variant: "fp16")
        #expect(try explicit.weights(of: "vae").files.count == 1)
    }

    /// Found by fuzzing: an empty model_index.json leaked the read buffer of `Data(contentsOf:)` (a Foundation
    /// bug), which would also block forever on a FIFO. Config files are now read as regular files only.
    @Test func emptyAndNonRegularConfigFilesAreNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-configs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let index = folder.appendingPathComponent("model_index.json")
        try Data().write(to: index)
        #expect(throws: ModelLoadingError.unreadableConfig(path: index.path, reason: "not a JSON object")) {
            try DiffusersModelFolder(url: folder)
        }

        let config = folder.appendingPathComponent("config.json")
        try #require(mkfifo(config.path, 0o600) == 0)
        for load in [{ _ = try UNet2DConditionConfiguration.load(from: config) },
                     { _ = try CLIPTextConfiguration(contentsOf: config) }] as [() throws -> Void] {
            do {
                try load()
                Issue.record("a FIFO config.json was read")
            } catch let error as ModelLoadingError {
                guard case .unreadableConfig(let path, let reason) = error else { throw error }
                #expect(path == config.path)
                #expect(reason.contains("FIFO"))
            }
        }
    }

    @Test func missingPiecesAreNamed() throws {
        #expect(throws: ModelLoadingError.missingFolder(path: "/nonexistent/model")) {
            try DiffusersModelFolder(url: URL(fileURLWithPath: "/nonexistent/model"))
        }
        let bare = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-bare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        do {
            _ = try DiffusersModelFolder(url: bare)
            Issue.record("a folder without model_index.json was accepted")
        } catch let error as ModelLoadingError {
            #expect(error.description.contains("model_index.json"))
        }
        let folder = try DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny"), variant: "bf16")
        do {
            _ = try folder.weights(of: "unet")
            Issue.record("a missing bf16 variant was accepted")
        } catch let error as ModelLoadingError {
            #expect(error.description.contains("diffusion_pytorch_model.bf16.safetensors"))
        }
        #expect(throws: ModelLoadingError.self) { try folder.componentFolder("safety_checker") }
    }
}
