import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTestSupport
import LetheTraining
import Testing

/// Differentially private textual inversion and Forget-Me-Not: the Poisson sampling, the plan from the settings,
/// ε in the report and the checkpoints, and a resume that keeps the accountant's step count. (Several ranks:
/// Scripts/erasure-training-mpi-check.sh.)
@Suite("Differentially private training")
struct PrivateTrainingTests {
    @Test func poissonSamplesEachImageAtTheRate() {
        let sampling = PoissonSampling(examples: 1000, sampleRate: 0.05, seed: 4)
        var total = 0
        for step in 0..<200 {
            let samples = sampling.samples(step: step)
            #expect(samples.allSatisfy { $0 / 1000 == step }, "step \(step)'s samples are its own")
            #expect(Set(samples).count == samples.count)
            total += samples.count
        }
        // 200 × 1000 draws at 0.05: 10,000 expected, standard deviation 97.
        #expect(abs(total - 10_000) <= 300, "\(total) samples drawn")
        #expect(sampling.samples(step: 3) == sampling.samples(step: 3))
        #expect(sampling.samples(step: 3) != PoissonSampling(examples: 1000, sampleRate: 0.05, seed: 5).samples(step: 3))
    }

    @Test func planFromSettings() throws {
        let given = try PrivacySettings(maxGradientNorm: 1, noiseMultiplier: 1.1).plan(examples: 100, batchSize: 4, steps: 50, seed: 0)
        #expect(given.sampleRate == 0.04 && given.delta == 1.0 / 1000 && given.step.noiseMultiplier == 1.1)
        #expect(given.step.expectedBatchSize == 4)
        let expected = try RDPAccountant.privacySpent(noiseMultiplier: 1.1, sampleRate: 0.04, steps: 50, delta: 1e-3)
        #expect(try given.report(steps: 50).epsilon == expected.epsilon)
        // From a target ε: σ is the accountant's search, and spends at most the target.
        let searched = try PrivacySettings(maxGradientNorm: 1, targetEpsilon: 3, delta: 1e-4).plan(examples: 100, batchSize: 4, steps: 50, seed: 0)
        #expect(searched.step.noiseMultiplier == (try RDPAccountant.noiseMultiplier(targetEpsilon: 3, delta: 1e-4, sampleRate: 0.04, steps: 50)))
        #expect(try searched.report(steps: 50).epsilon <= 3)
        // A tiny image set: the warnings say the guarantee means little.
        let tiny = try PrivacySettings(maxGradientNorm: 1, noiseMultiplier: 0.5, delta: 0.5).plan(examples: 3, batchSize: 2, steps: 20, seed: 0)
        let warnings = try tiny.warnings()
        #expect(warnings.contains { $0.contains("not below 1 / 3") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("is above 10") }, "\(warnings)")
        #expect(try given.warnings().isEmpty)
    }

    @Test func badSettingsAreNamed() {
        func message(_ settings: PrivacySettings, examples: Int = 10, batchSize: Int = 2) -> String {
            do {
                _ = try settings.plan(examples: examples, batchSize: batchSize, steps: 10, seed: 0)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message(PrivacySettings(maxGradientNorm: 0, noiseMultiplier: 1)) == "`privacyClip` is 0.0; it must be a positive number.")
        #expect(message(PrivacySettings(maxGradientNorm: 1)) == "`noiseMultiplier` or `targetEpsilon` is needed with `privacyClip`.")
        #expect(message(PrivacySettings(maxGradientNorm: 1, noiseMultiplier: 1, targetEpsilon: 2)) == "`noiseMultiplier` and `targetEpsilon` are both given; give one.")
        #expect(message(PrivacySettings(maxGradientNorm: 1, noiseMultiplier: -1)) == "`noiseMultiplier` is -1.0; it must be a positive number.")
        #expect(message(PrivacySettings(maxGradientNorm: 1, noiseMultiplier: 1, delta: 1)) == "`delta` is 1.0; it must be above 0 and below 1.")
        #expect(message(PrivacySettings(maxGradientNorm: 1, noiseMultiplier: 1), examples: 3, batchSize: 4).hasPrefix("`batchSize` is 4; with differential privacy"))
    }

    /// The resume tests' textual-inversion job (4 steps, batch 2, the fixture's 3 images) with DP-SGD; `seed` nil: a
    /// secret seed for the noise and the sampling.
    static func textualInversion(output: URL, checkpoints: CheckpointSettings?, noiseMultiplier: Double = 1,
                                 seed: UInt64? = nil) -> TextualInversionJob {
        var job = TrainingResumeTests.textualInversion(output: output, checkpoints: checkpoints)
        job.options.privacy = PrivacySettings(maxGradientNorm: 0.01, noiseMultiplier: noiseMultiplier, seed: seed)
        return job
    }

    /// The report holds ε for the steps taken (the fixture's 3 images, Poisson rate 2/3, δ 1/30); the checkpoints
    /// hold the step count and ε so far; resumed from step 2 the job ends bit for bit as the uninterrupted one (its
    /// secret seed comes back from the checkpoint), its accountant at 4 steps.
    @Test func textualInversionReportsEpsilonAndResumesWithItsStepCount() throws {
        let work = TrainingResumeTests.temporary("dp-ti")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let world = Communicator.singleProcess()
        var lines: [String] = []
        let plain = try Self.textualInversion(output: work.appendingPathComponent("plain.safetensors"), checkpoints: nil)
            .run(communicator: world, log: { lines.append($0) })
        let privacy = try #require(plain.training?.privacy)
        let expected = try RDPAccountant.privacySpent(noiseMultiplier: 1, sampleRate: 2.0 / 3, steps: 4, delta: 1.0 / 30)
        #expect(privacy.steps == 4 && privacy.epsilon == expected.epsilon && privacy.delta == 1.0 / 30)
        #expect(privacy.sampleRate == 2.0 / 3 && privacy.examples == 3 && privacy.sampling == "poisson")
        #expect(lines.contains { $0.hasPrefix("differential privacy: ε = ") && $0.contains("after 4 steps") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("differential privacy: Poisson sampling of the 3 images at rate 0.6666") }, "\(lines)")
        #expect(plain.settings["dp_max_grad_norm"] == "0.01" && plain.settings["dp_noise_multiplier"] == "1.0")
        #expect(plain.settings["dp_seed"] == "secret")
        let report = try DocumentJSON.decode(ErasureReport.self, from: Data(contentsOf: work.appendingPathComponent("plain.report.json")))
        #expect(report.training?.privacy == privacy)

        let folder = work.appendingPathComponent("checkpoints")
        let settings = CheckpointSettings(folder: folder, every: 2, keepLast: 3, resume: .auto)
        let first = try Self.textualInversion(output: work.appendingPathComponent("first.safetensors"), checkpoints: settings)
            .run(communicator: world)
        let steps = CheckpointFolder(folder).steps()
        #expect(steps.map(\.step) == [4, 2])
        let stepTwo = try LoadedCheckpoint(stepFolder: try #require(steps.last).url)
        #expect(stepTwo.manifest.state["dp_steps"] == "2")
        let epsilonTwo = try RDPAccountant.privacySpent(noiseMultiplier: 1, sampleRate: 2.0 / 3, steps: 2, delta: 1.0 / 30).epsilon
        #expect(stepTwo.manifest.state["dp_epsilon"] == "\(epsilonTwo)")
        try TrainingResumeTests.dropNewest(1, of: folder)
        let resumed = try Self.textualInversion(output: work.appendingPathComponent("resumed.safetensors"), checkpoints: settings)
            .run(communicator: world)
        #expect(resumed.training?.privacy == privacy, "the resumed accountant counts the 2 steps before it")
        let vectors = try LearnedEmbeddings(contentsOf: work.appendingPathComponent("first.safetensors")).vectors.toArray()
        #expect(try LearnedEmbeddings(contentsOf: work.appendingPathComponent("resumed.safetensors")).vectors.toArray() == vectors)
        #expect(resumed.training?.lossPerStep == first.training?.lossPerStep)
        #expect(resumed.training?.gradientNormPerStep == first.training?.gradientNormPerStep)
        // Each job without a seed draws its own secret one: the plain job's rows are not the first job's.
        #expect(try LearnedEmbeddings(contentsOf: work.appendingPathComponent("plain.safetensors")).vectors.toArray() != vectors)
        // A given seed reproduces a run.
        for name in ["seeded-a", "seeded-b"] {
            _ = try Self.textualInversion(output: work.appendingPathComponent("\(name).safetensors"), checkpoints: nil, seed: 9)
                .run(communicator: world)
        }
        #expect(try LearnedEmbeddings(contentsOf: work.appendingPathComponent("seeded-a.safetensors")).vectors.toArray()
            == (try LearnedEmbeddings(contentsOf: work.appendingPathComponent("seeded-b.safetensors")).vectors.toArray()))

        // More noise, same seed: other rows, a smaller ε.
        let noisier = try Self.textualInversion(output: work.appendingPathComponent("noisier.safetensors"), checkpoints: nil,
                                                noiseMultiplier: 4, seed: 9).run(communicator: world)
        #expect(try LearnedEmbeddings(contentsOf: work.appendingPathComponent("noisier.safetensors")).vectors.toArray()
            != (try LearnedEmbeddings(contentsOf: work.appendingPathComponent("seeded-a.safetensors")).vectors.toArray()))
        #expect(noisier.training!.privacy!.epsilon < privacy.epsilon)
        // A resume with other privacy settings is another job: refused.
        #expect(throws: (any Error).self) {
            _ = try Self.textualInversion(output: work.appendingPathComponent("other.safetensors"), checkpoints:
                CheckpointSettings(folder: folder, every: 2, keepLast: 3, resume: .path(steps.last!.url.path)), noiseMultiplier: 2)
                .run(communicator: world)
        }
    }

    @Test func forgetMeNotTrainsPrivately() throws {
        let work = TrainingResumeTests.temporary("dp-fmn")
        defer { try? FileManager.default.removeItem(at: work) }
        var options = ForgetMeNotOptions(concept: "cat")
        options.train = "attn2"
        options.steps = 2
        options.batchSize = 2
        options.learningRate = 1e-3
        options.resolution = 32
        options.privacy = PrivacySettings(maxGradientNorm: 0.1, targetEpsilon: 20, delta: 1e-2)
        let report = try ForgetMeNotJob(model: Fixture.pipeline("sd1-tiny"), options: options,
                                        images: .folder(TrainingResumeTests.images.path), output: work).run(communicator: .singleProcess())
        let privacy = try #require(report.training?.privacy)
        #expect(privacy.steps == 2 && privacy.epsilon <= 20 && privacy.targetEpsilon == 20)
        #expect(privacy.noiseMultiplier == (try RDPAccountant.noiseMultiplier(targetEpsilon: 20, delta: 1e-2, sampleRate: 2.0 / 3, steps: 2)))
        #expect(report.training?.lossPerStep.count == 2)
        let written = try DocumentJSON.decode(ErasureReport.self, from: Data(contentsOf: work.appendingPathComponent("erasure-report.json")))
        #expect(written.training?.privacy == privacy)
    }
}
