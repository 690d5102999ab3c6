import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTestSupport
import Testing

/// A training job stopped after a checkpoint and resumed ends bit for bit where the uninterrupted job ends: the
/// trained values, the optimizer's state, the step count, the report's history and (for Forget-Me-Not) the images
/// it generated all come back from the checkpoint. (Other rank counts: Scripts/checkpoint-mpi-check.sh.)
@Suite("Training resume")
struct TrainingResumeTests {
    static let images = Fixture.url("references/ti-fmn-images")

    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lethe-resume-\(name)-\(UUID().uuidString)")
    }

    /// Removes the newest `count` committed steps, as if the job had been killed before it saved them.
    static func dropNewest(_ count: Int, of folder: URL) throws {
        for step in CheckpointFolder(folder).steps().prefix(count) { try FileManager.default.removeItem(at: step.url) }
    }

    static func textualInversion(output: URL, checkpoints: CheckpointSettings?) -> TextualInversionJob {
        var options = TextualInversionOptions(placeholder: "<toy>", initializer: "cat")
        options.vectors = 2
        options.steps = 4
        options.batchSize = 2
        options.learningRate = 1e-2
        options.resolution = 32
        options.renormalize = true
        var job = TextualInversionJob(model: Fixture.pipeline("sd1-tiny"), options: options, images: images.path, output: output)
        job.checkpoints = checkpoints
        return job
    }

    @Test func textualInversionResumedFromStepTwoEndsBitwiseAsTheUninterruptedRun() throws {
        let work = Self.temporary("ti")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let world = Communicator.singleProcess()
        let plain = try Self.textualInversion(output: work.appendingPathComponent("plain.safetensors"), checkpoints: nil)
            .run(communicator: world)

        let folder = work.appendingPathComponent("checkpoints")
        let settings = CheckpointSettings(folder: folder, every: 2, keepLast: 3, resume: .auto)
        _ = try Self.textualInversion(output: work.appendingPathComponent("first.safetensors"), checkpoints: settings)
            .run(communicator: world)
        #expect(CheckpointFolder(folder).steps().map(\.step) == [4, 2])
        try Self.dropNewest(1, of: folder)
        var lines: [String] = []
        let resumed = try Self.textualInversion(output: work.appendingPathComponent("resumed.safetensors"), checkpoints: settings)
            .run(communicator: world, log: { lines.append($0) })
        #expect(lines.contains { $0.contains("resumed from") && $0.contains("step 2") }, "\(lines)")

        let expected = try LearnedEmbeddings(contentsOf: work.appendingPathComponent("plain.safetensors")).vectors.toArray()
        #expect(try LearnedEmbeddings(contentsOf: work.appendingPathComponent("resumed.safetensors")).vectors.toArray() == expected)
        #expect(resumed.training?.lossPerStep == plain.training?.lossPerStep)
        #expect(resumed.training?.gradientNormPerStep == plain.training?.gradientNormPerStep)
        #expect(resumed.concepts.first?.vectorNorms == plain.concepts.first?.vectorNorms)
    }

    @Test func forgetMeNotResumedKeepsItsGeneratedImagesAndEndsBitwise() throws {
        let work = Self.temporary("fmn")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let world = Communicator.singleProcess()
        func job(_ name: String, _ checkpoints: CheckpointSettings?) -> ForgetMeNotJob {
            var options = ForgetMeNotOptions(concept: "cat")
            options.train = "attn2"
            options.steps = 3
            options.batchSize = 2
            options.learningRate = 1e-3
            options.resolution = 32
            var job = ForgetMeNotJob(model: Fixture.pipeline("sd1-tiny"), options: options,
                                     images: .generated(count: 2, steps: 2), output: work.appendingPathComponent(name))
            job.checkpoints = checkpoints
            return job
        }
        let plain = try job("plain", nil).run(communicator: world)
        let folder = work.appendingPathComponent("checkpoints")
        let settings = CheckpointSettings(folder: folder, every: 1, keepLast: 5, resume: .auto)
        _ = try job("first", settings).run(communicator: world)
        #expect(CheckpointFolder(folder).steps().map(\.step) == [3, 2, 1])
        try Self.dropNewest(2, of: folder)
        var generating = 0
        var progress = ForgetMeNotJob.Progress()
        progress.generating = { done, _ in generating = max(generating, done) }
        let resumed = try job("resumed", settings).run(communicator: world, progress: progress)
        #expect(generating == 0, "a resumed job does not generate its images again")

        let name = "unet/diffusion_pytorch_model.safetensors"
        let expected = try Data(contentsOf: work.appendingPathComponent("plain/\(name)"))
        #expect(try Data(contentsOf: work.appendingPathComponent("resumed/\(name)")) == expected)
        #expect(resumed.training?.lossPerStep == plain.training?.lossPerStep)
        #expect(resumed.concepts.first?.attentionMassBefore == plain.concepts.first?.attentionMassBefore)
        #expect(resumed.concepts.first?.attentionMassAfter == plain.concepts.first?.attentionMassAfter)

        // The concept is part of the settings a checkpoint must match: another concept does not resume from it.
        var other = job("other", settings)
        other.options.concept = "dog"
        let error = #expect(throws: CheckpointError.self) { try other.run(communicator: world) }
        #expect(error?.description.contains("saved with another settings") == true)
    }

    @Test func aCheckpointOfOtherSettingsIsRefused() throws {
        let work = Self.temporary("mismatch")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let folder = work.appendingPathComponent("checkpoints")
        let settings = CheckpointSettings(folder: folder, every: 2, resume: .auto)
        _ = try Self.textualInversion(output: work.appendingPathComponent("a.safetensors"), checkpoints: settings)
            .run(communicator: .singleProcess())
        var other = Self.textualInversion(output: work.appendingPathComponent("b.safetensors"), checkpoints: settings)
        other.options.learningRate = 5e-3
        let error = #expect(throws: CheckpointError.self) { try other.run(communicator: .singleProcess()) }
        #expect(error?.description.contains("saved with another settings") == true)
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("b.safetensors").path))
    }
}
