import Foundation
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheModels
import LetheTestSupport
import Testing

/// Mapped weights are read-only: a UCE edit of a folder that a running pipeline has mapped works on its own arena
/// copy, so it neither faults on the mapping nor changes the source files or the running pipeline; handing the
/// edit mapped weights is refused with a message rather than a crash.
@Suite struct MappedWeightsEditTests {
    static func copyOfTinyModel() throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-mapped-edit-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Fixture.pipeline("sd1-tiny"), to: copy)
        return copy
    }

    static func weightFiles(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for component in ["unet", "text_encoder", "vae"] {
            let url = folder.appendingPathComponent(component)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) where name.hasSuffix(".safetensors") {
                files["\(component)/\(name)"] = try Data(contentsOf: url.appendingPathComponent(name))
            }
        }
        return files
    }

    @Test func anEditOfAMappedFolderLeavesTheFilesAndThePipelineAsTheyWere() throws {
        let source = try Self.copyOfTinyModel()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-mapped-edit-out-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: source)
            try? FileManager.default.removeItem(at: output)
        }
        let before = try Self.weightFiles(source)
        let pipeline = try StableDiffusionPipeline(folder: DiffusersModelFolder(url: source))
        var request = GenerationRequest(prompt: "a painting by Van Gogh", seed: 3)
        request.steps = 2
        let imageBefore = try pipeline.generate(request).toArray()

        var settings = UCESettings(concepts: ["Van Gogh"], guides: ["art"], preserve: ["a photo of a dog"])
        settings.technique = .replace
        var job = ClosedFormErasureJob(model: source, uce: settings, rece: nil, output: output)
        job.probe = nil
        _ = try job.run(communicator: .singleProcess())

        // The edit happened (its output differs from the source), the source files did not change, and the pipeline
        // that maps them still draws the same image.
        let erased = try Self.weightFiles(output)
        #expect(erased["unet/diffusion_pytorch_model.safetensors"] != before["unet/diffusion_pytorch_model.safetensors"])
        #expect(try Self.weightFiles(source) == before)
        #expect(try pipeline.generate(request).toArray() == imageBefore)
    }

    @Test func theEditRefusesMappedWeights() throws {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny"))
        let (_, mapped) = try UNet2DConditionModel.loadWithWeights(from: folder, loading: .mapped)
        #expect(throws: TrainingError.mappedWeights(model: "sd1-tiny")) {
            try CrossAttentionProjections(store: mapped, model: "sd1-tiny")
        }
        let (_, owned) = try UNet2DConditionModel.loadWithWeights(from: folder)
        #expect(try CrossAttentionProjections(store: owned, model: "sd1-tiny").projections.count > 0)
    }
}
