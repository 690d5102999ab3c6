import Foundation
import LetheModels
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

/// The randomness of a training batch is keyed by seed, step and each sample's global index.
@Suite("Drawing a training batch")
struct DiffusionTrainingBatchTests {
    static let vaeFolder = Fixture.pipeline("sd1-tiny")

    static func images(_ count: Int) -> Tensor {
        RandomStream(seed: 5, purpose: "test-images", id: 0).normalTensor(shape: [count, 3, 16, 16]) * 0.5
    }

    @Test func samplesDrawTheSameWhateverTheBatchTheyAreIn() throws {
        let vae = try AutoencoderKL.load(from: DiffusersModelFolder(url: Self.vaeFolder))
        let images = Self.images(3)
        let text = Tensor(zeros: [3, 4, 8])
        let whole = try DiffusionTrainingBatch.drawing(images: images, vae: vae, encoderHiddenStates: text,
                                                       trainTimesteps: 1000, seed: 9, step: 4, sampleIndices: [10, 11, 12])
        // Sample 11 alone, as another rank would draw it.
        let alone = try DiffusionTrainingBatch.drawing(images: images.narrowed(axis: 0, start: 1, length: 1).contiguous(), vae: vae,
                                                       encoderHiddenStates: text.narrowed(axis: 0, start: 1, length: 1),
                                                       trainTimesteps: 1000, seed: 9, step: 4, sampleIndices: [11])
        #expect(alone.noise.toArray() == whole.noise[index: 1].toArray())
        // The noise is bit-identical; the VAE's encoding may differ in the last bits with the batch's size.
        let drift = zip(alone.latents.toArray(), whole.latents[index: 1].toArray()).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(drift <= 1e-5)
        #expect(alone.timesteps == [whole.timesteps[1]])
        #expect(whole.timesteps.allSatisfy { (0..<1000).contains($0) })

        // Another step or seed draws anew.
        let next = try DiffusionTrainingBatch.drawing(images: images, vae: vae, encoderHiddenStates: text,
                                                      trainTimesteps: 1000, seed: 9, step: 5, sampleIndices: [10, 11, 12])
        #expect(next.noise.toArray() != whole.noise.toArray())
        #expect(next.latents.toArray() != whole.latents.toArray())
    }

    @Test func latentsAreScaledPosteriorSamples() throws {
        let vae = try AutoencoderKL.load(from: DiffusersModelFolder(url: Self.vaeFolder))
        let images = Self.images(2)
        let batch = try DiffusionTrainingBatch.drawing(images: images, vae: vae, encoderHiddenStates: Tensor(zeros: [2, 4, 8]),
                                                       trainTimesteps: 1000, seed: 1, step: 0, sampleIndices: [0, 1])
        let distribution = try vae.encode(images)
        // (latents / scaling − mean) / std is the posterior noise: standard normal draws, not zero and not the
        // diffusion noise.
        let scaled = batch.latents * (1 / vae.scalingFactor)
        let standardized = (scaled - distribution.mean) / distribution.standardDeviation
        let values = standardized.toArray()
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        #expect(Swift.abs(mean) < 0.35 && variance > 0.5 && variance < 1.6, "mean \(mean), variance \(variance)")
        #expect(values != batch.noise.toArray())
    }
}
