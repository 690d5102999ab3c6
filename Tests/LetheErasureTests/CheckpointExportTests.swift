import Foundation
import LetheCheckpoint
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTestSupport
import Testing

/// `CheckpointExport` writes what the job would have written had it ended at the checkpoint's step: at the last
/// step the job's own weights byte for byte, at an earlier step those of the same job run for that many steps
/// (a constant learning rate, so the first steps do not depend on the step count). Errors name what is wrong.
@Suite("Checkpoint export")
struct CheckpointExportTests {
    static let model = Fixture.pipeline("sd1-tiny")
    static let images = Fixture.url("references/ti-fmn-images")
    static let unetWeights = "unet/diffusion_pytorch_model.safetensors"

    static func work(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-export-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func forgetMeNot(steps: Int, output: URL, checkpoints: CheckpointSettings?) -> ForgetMeNotJob {
        var options = ForgetMeNotOptions(concept: "cat")
        options.train = "attn2"
        options.steps = steps
        options.batchSize = 2
        options.learningRate = 1e-3
        options.resolution = 32
        var job = ForgetMeNotJob(model: model, options: options, images: .folder(images.path), output: output)
        job.checkpoints = checkpoints
        return job
    }

    static func textualInversion(steps: Int, output: URL, checkpoints: CheckpointSettings?) -> TextualInversionJob {
        var options = TextualInversionOptions(placeholder: "<toy>", initializer: "cat")
        options.vectors = 2
        options.steps = steps
        options.batchSize = 2
        options.learningRate = 1e-2
        options.resolution = 32
        options.renormalize = true
        var job = TextualInversionJob(model: model, options: options, images: images.path, output: output)
        job.checkpoints = checkpoints
        return job
    }

    /// Every file of `folder` by relative path, with its bytes.
    static func files(of folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in FileManager.default.subpaths(atPath: folder.path) ?? [] {
            var isDirectory: ObjCBool = false
            let url = folder.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[path] = try Data(contentsOf: url)
        }
        return files
    }

    @Test func forgetMeNotExportOfTheLastStepIsTheJobsFolder() throws {
        let work = try Self.work("fmn")
        defer { try? FileManager.default.removeItem(at: work) }
        let world = Communicator.singleProcess()
        let checkpoints = work.appendingPathComponent("checkpoints")
        let job = try Self.forgetMeNot(steps: 3, output: work.appendingPathComponent("job"),
                                       checkpoints: CheckpointSettings(folder: checkpoints, every: 1, keepLast: 5))
            .run(communicator: world)

        // The checkpoint folder: its newest step, 3.
        let result = try CheckpointExport(checkpoint: checkpoints.path, model: Self.model,
                                          output: work.appendingPathComponent("export")).run()
        #expect(result.method == "forget-me-not" && result.step == 3)
        var expected = try Self.files(of: work.appendingPathComponent("job"))
        var exported = try Self.files(of: work.appendingPathComponent("export"))
        #expect(expected.count > 5)
        #expect(exported[Self.unetWeights] == expected[Self.unetWeights], "the UNet weights, byte for byte")
        // Every other file is the base model's, as in the job's folder; the reports differ (no measurement after).
        let removed = exported.removeValue(forKey: ErasedModelWriter.reportName)
        let reportData = try #require(removed)
        expected.removeValue(forKey: ErasedModelWriter.reportName)
        #expect(exported == expected)
        let report = try ErasureReport(json: reportData)
        #expect(report.method == "forget-me-not" && report.exportedFrom?.step == 3)
        #expect(report.training?.lossPerStep == job.training?.lossPerStep)
        #expect(report.settings == job.settings)
        #expect(report.concepts.first?.concept == "cat")
        #expect(report.concepts.first?.attentionMassBefore == job.concepts.first?.attentionMassBefore)
        #expect(report.concepts.first?.conceptPositions == job.concepts.first?.conceptPositions)

        // Step 1 of the 3-step job is what a 1-step job writes, and it loads as a pipeline.
        let stepOne = work.appendingPathComponent("export-step1")
        _ = try CheckpointExport(checkpoint: checkpoints.appendingPathComponent("step-00000001").path, model: Self.model,
                                 output: stepOne).run()
        _ = try Self.forgetMeNot(steps: 1, output: work.appendingPathComponent("job1"), checkpoints: nil).run(communicator: world)
        let stepOneWeights = try Data(contentsOf: stepOne.appendingPathComponent(Self.unetWeights))
        #expect(stepOneWeights == (try Data(contentsOf: work.appendingPathComponent("job1/\(Self.unetWeights)"))))
        #expect(stepOneWeights != expected[Self.unetWeights])
        _ = try StableDiffusionPipeline(folder: DiffusersModelFolder(url: stepOne))
    }

    @Test func textualInversionExportIsTheJobsFile() throws {
        let work = try Self.work("ti")
        defer { try? FileManager.default.removeItem(at: work) }
        let world = Communicator.singleProcess()
        let checkpoints = work.appendingPathComponent("checkpoints")
        let job = try Self.textualInversion(steps: 4, output: work.appendingPathComponent("job.safetensors"),
                                            checkpoints: CheckpointSettings(folder: checkpoints, every: 2, keepLast: 3))
            .run(communicator: world)

        let output = work.appendingPathComponent("export.safetensors")
        let result = try CheckpointExport(checkpoint: checkpoints.appendingPathComponent("step-00000004").path, model: nil,
                                          output: output).run()
        #expect(result.method == "textual-inversion" && result.step == 4)
        #expect(try Data(contentsOf: output) == Data(contentsOf: work.appendingPathComponent("job.safetensors")))
        let report = try ErasureReport(json: Data(contentsOf: work.appendingPathComponent("export.report.json")))
        #expect(report.concepts.first?.tokens == job.concepts.first?.tokens)
        #expect(report.concepts.first?.vectorNorms == job.concepts.first?.vectorNorms)
        #expect(report.training?.lossPerStep == job.training?.lossPerStep)
        #expect(report.model == Self.model.path)

        // Step 2 (with the base model checked) is what a 2-step job writes, and diffusers' format loads.
        let stepTwo = work.appendingPathComponent("step2.safetensors")
        _ = try CheckpointExport(checkpoint: checkpoints.appendingPathComponent("step-00000002").path, model: Self.model,
                                 output: stepTwo).run()
        _ = try Self.textualInversion(steps: 2, output: work.appendingPathComponent("job2.safetensors"), checkpoints: nil)
            .run(communicator: world)
        #expect(try Data(contentsOf: stepTwo) == Data(contentsOf: work.appendingPathComponent("job2.safetensors")))
        #expect(try LearnedEmbeddings(contentsOf: stepTwo).tokens == ["<toy>", "<toy>_1"])
    }

    @Test func refusesOtherModelsDamageUnknownMethodsOldCheckpointsAndOutputsInTheCheckpoint() throws {
        let work = try Self.work("errors")
        defer { try? FileManager.default.removeItem(at: work) }
        let checkpoints = work.appendingPathComponent("checkpoints")
        _ = try Self.textualInversion(steps: 2, output: work.appendingPathComponent("job.safetensors"),
                                      checkpoints: CheckpointSettings(folder: checkpoints, every: 1, keepLast: 3))
            .run(communicator: .singleProcess())
        let stepTwo = checkpoints.appendingPathComponent("step-00000002")
        let output = work.appendingPathComponent("out.safetensors")

        let otherModel = Fixture.pipeline("sd2-tiny")
        let mismatch = #expect(throws: CheckpointExportError.self) {
            try CheckpointExport(checkpoint: stepTwo.path, model: otherModel, output: output).run()
        }
        #expect(mismatch?.description.contains("trained from another base model") == true)
        #expect(mismatch?.description.contains(otherModel.path) == true)

        let inside = #expect(throws: OutputError.self) {
            try CheckpointExport(checkpoint: stepTwo.path, model: nil, output: checkpoints.appendingPathComponent("x.safetensors")).run()
        }
        #expect(inside?.description.contains("lies inside the checkpoint folder") == true)

        // A manifest of another method, and one saved before the placeholder was kept.
        let manifestURL = stepTwo.appendingPathComponent("manifest.json")
        let original = try Data(contentsOf: manifestURL)
        var manifest = try CheckpointManifest(json: original)
        manifest.identity.method = "dreambooth"
        try manifest.json().write(to: manifestURL)
        #expect(throws: CheckpointExportError.unknownMethod(path: stepTwo.path, method: "dreambooth")) {
            try CheckpointExport(checkpoint: stepTwo.path, model: nil, output: output).run()
        }
        manifest = try CheckpointManifest(json: original)
        manifest.state.removeValue(forKey: "placeholder")
        try manifest.json().write(to: manifestURL)
        let old = #expect(throws: CheckpointExportError.self) {
            try CheckpointExport(checkpoint: stepTwo.path, model: nil, output: output).run()
        }
        #expect(old?.description.contains("does not record its placeholder token") == true)
        try original.write(to: manifestURL)

        // A damaged step given by its path is that error; the checkpoint folder falls back to the step before.
        let shard = try #require(try FileManager.default.contentsOfDirectory(atPath: stepTwo.path).first { $0.hasPrefix("shard-") })
        let handle = try FileHandle(forUpdating: stepTwo.appendingPathComponent(shard))
        try handle.seek(toOffset: 30)
        handle.write(Data([0xFF, 0xFF, 0xFF, 0xFF]))
        try handle.close()
        let damaged = #expect(throws: CheckpointError.self) {
            try CheckpointExport(checkpoint: stepTwo.path, model: nil, output: output).run()
        }
        #expect(damaged?.description.contains("does not match its SHA-256") == true)
        var lines: [String] = []
        let result = try CheckpointExport(checkpoint: checkpoints.path, model: nil, output: output).run(log: { lines.append($0) })
        #expect(result.step == 1)
        #expect(lines.contains { $0.contains("step-00000002") && $0.contains("damaged") }, "\(lines)")
        #expect(!FileManager.default.fileExists(atPath: checkpoints.appendingPathComponent("x.safetensors").path))
    }
}
