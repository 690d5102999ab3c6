import Foundation
import LetheErasure
import LetheModels
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

/// The one training step across data-parallel processes, with two ranks played in one process: each half of a
/// batch is stepped by its own trainer with a reduction that adds what the other half contributed, and the result
/// must be the full batch's step on one process (for a batch-mean loss and for Forget-Me-Not's global norm).
@Suite("Data-parallel training step")
struct DataParallelStepTests {
    /// Stops a step at the reduction, after what the reduction was given has been recorded.
    struct Recorded: Error {}

    /// What one rank handed to the reduction.
    final class Handed {
        var sums: [Double] = []
        var gradient: [Float] = []

        /// A reduction that records the values and stops the step (the weights stay untouched).
        var values: GradientReduction {
            GradientReduction(sumValues: { self.sums = $0; throw Recorded() }, sumGradients: { _ in })
        }

        /// A reduction that gives `global` for the values, records the gradient as it enters the sum and stops.
        func gradient(global: [Double]) -> GradientReduction {
            GradientReduction(sumValues: { _ in global }, sumGradients: { gradients in
                self.gradient = Array(UnsafeBufferPointer(start: gradients.storage.base, count: gradients.count))
                throw Recorded()
            })
        }
    }

    /// Plays rank 0 of two: `mine(reduction)` is the method's step on rank 0's half, `other(reduction)` the step of
    /// rank 1 on its half with its own trainer. Returns the report of rank 0's real step, whose reduction adds rank
    /// 1's values and gradient.
    static func twoRankStep<Report>(mine: (GradientReduction) throws -> Report,
                                    other: (GradientReduction) throws -> Report) throws -> Report {
        let first = Handed(), second = Handed()
        #expect(throws: Recorded.self) { _ = try mine(first.values) }
        #expect(throws: Recorded.self) { _ = try other(second.values) }
        let global = zip(first.sums, second.sums).map { $0 + $1 }
        #expect(throws: Recorded.self) { _ = try other(second.gradient(global: global)) }
        return try mine(GradientReduction(sumValues: { _ in global }, sumGradients: { gradients in
            for index in 0..<gradients.count { gradients.storage.base[index] += second.gradient[index] }
        }))
    }

    /// The gradient buffer a step left (after clipping).
    static func gradient(_ trainer: DiffusionTrainer) -> Tensor {
        Tensor(shape: [trainer.gradients.count],
               values: Array(UnsafeBufferPointer(start: trainer.gradients.storage.base, count: trainer.gradients.count)))
    }

    @Test func forgetMeNotOverTwoRanksIsTheFullBatchStep() throws {
        let folder = try DiffusersModelFolder(url: ForgetMeNotTests.folderURL)
        let latents = RandomStream(seed: 8, purpose: "test-latents", id: 0).normalTensor(shape: [2, 4, 8, 8])
        let noise = RandomStream(seed: 8, purpose: "test-noise", id: 0).normalTensor(shape: [2, 4, 8, 8])
        let timesteps = [200, 700]
        let full = try ForgetMeNotTrainer(folder: folder, options: ForgetMeNotTests.options())
        let expected = try full.step(latents: latents, noise: noise, timesteps: timesteps)

        let first = try ForgetMeNotTrainer(folder: folder, options: ForgetMeNotTests.options())
        let second = try ForgetMeNotTrainer(folder: folder, options: ForgetMeNotTests.options())
        func half(_ trainer: ForgetMeNotTrainer, _ index: Int, _ reduction: GradientReduction) throws -> ForgetMeNotTrainer.StepReport {
            try trainer.step(latents: latents.narrowed(axis: 0, start: index, length: 1).copy(),
                             noise: noise.narrowed(axis: 0, start: index, length: 1).copy(),
                             timesteps: [timesteps[index]], weight: 0.5, reduction: reduction)
        }
        let report = try Self.twoRankStep(mine: { try half(first, 0, $0) }, other: { try half(second, 1, $0) })
        #expect(first.stepsTaken == 1 && second.stepsTaken == 0)
        #expect(abs(report.loss - expected.loss) <= 1e-6 * expected.loss, "loss \(report.loss) vs \(expected.loss)")
        #expect(abs(report.gradientNorm - expected.gradientNorm) <= 1e-5 * expected.gradientNorm)
        #expect(abs(report.attentionMass - expected.attentionMass) <= 1e-6 * expected.attentionMass)
        // The summed (clipped) gradient is the full batch's; the weights a little looser, since AdamW's first step
        // divides each gradient by its own size and so magnifies rounding in gradients near its ε.
        let gradientError = RelativeError(Self.gradient(first.trainer), Self.gradient(full.trainer)).value
        #expect(gradientError <= 1e-5, "summed gradient: relative error \(gradientError)")
        let error = RelativeError(Tensor(storage: first.unetStore.arena, shape: [first.unetStore.arena.count]),
                                  Tensor(storage: full.unetStore.arena, shape: [full.unetStore.arena.count])).value
        #expect(error <= 1e-4, "weights after the step: relative error \(error)")
    }

    @Test func textualInversionOverTwoRanksIsTheFullBatchStep() throws {
        let folder = try DiffusersModelFolder(url: TextualInversionTests.folderURL)
        let latents = RandomStream(seed: 9, purpose: "test-latents", id: 0).normalTensor(shape: [2, 4, 8, 8])
        let noise = RandomStream(seed: 9, purpose: "test-noise", id: 0).normalTensor(shape: [2, 4, 8, 8])
        let timesteps = [100, 800]
        let full = try TextualInversionTrainer(folder: folder, options: TextualInversionTests.options())
        let prompts = ["a photo of a <toy> <toy>_1", "a rendering of a <toy> <toy>_1"]
        let ids = prompts.map { full.tokenizer.encode($0).inputIDs }
        let expected = try full.step(inputIDs: CLIPTextTokenIDs(ids), latents: latents, noise: noise, timesteps: timesteps)

        let first = try TextualInversionTrainer(folder: folder, options: TextualInversionTests.options())
        let second = try TextualInversionTrainer(folder: folder, options: TextualInversionTests.options())
        func half(_ trainer: TextualInversionTrainer, _ index: Int, _ reduction: GradientReduction) throws
            -> TextualInversionTrainer.StepReport {
            try trainer.step(inputIDs: CLIPTextTokenIDs([ids[index]]),
                             latents: latents.narrowed(axis: 0, start: index, length: 1).copy(),
                             noise: noise.narrowed(axis: 0, start: index, length: 1).copy(),
                             timesteps: [timesteps[index]], weight: 0.5, reduction: reduction)
        }
        let report = try Self.twoRankStep(mine: { try half(first, 0, $0) }, other: { try half(second, 1, $0) })
        #expect(abs(report.loss - expected.loss) <= 1e-6 * expected.loss, "loss \(report.loss) vs \(expected.loss)")
        #expect(abs(report.gradientNorm - expected.gradientNorm) <= 1e-5 * expected.gradientNorm)
        let gradientError = RelativeError(Self.gradient(first.trainer), Self.gradient(full.trainer)).value
        #expect(gradientError <= 1e-5, "summed gradient: relative error \(gradientError)")
        let error = RelativeError(first.learnedEmbeddings.vectors, full.learnedEmbeddings.vectors).value
        #expect(error <= 1e-5, "learned rows after the step: relative error \(error)")
    }
}
