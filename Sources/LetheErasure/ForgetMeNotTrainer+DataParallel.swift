import LetheDistributed
import LetheModels
import LetheTensor
import LetheTraining

extension ForgetMeNotTrainer {
    /// The local part of the batch of step `step`: the images of this rank's global samples through the VAE,
    /// with their noise and timesteps (keyed by sample index, so the split across ranks does not change them).
    public func drawBatch(samples: [Int], images: TrainingImages, step: Int) throws -> DiffusionTrainingBatch {
        let pixels = try images.batch(samples: samples, step: step)
        return try DiffusionTrainingBatch.drawing(
            images: pixels, vae: vae, encoderHiddenStates: Tensor(zeros: [1]),
            trainTimesteps: noiseSchedule.numTrainTimesteps, seed: options.seed, step: step, sampleIndices: samples)
    }

    /// The attention mass on the concept's tokens over the global batch of step 0 (the same inputs before and
    /// after training), averaged across ranks.
    public func evaluateAttentionMass(images: TrainingImages, communicator: Communicator) throws -> Double {
        let split = try DataParallelSplit(globalBatch: options.batchSize, rank: communicator.rank, size: communicator.size)
        let batch = try drawBatch(samples: split.sampleIndices(step: 0), images: images, step: 0)
        let local = try attentionMass(latents: batch.latents, noise: batch.noise, timesteps: batch.timesteps) * split.weight
        return try communicator.allreduce(local, op: .sum)
    }

    @discardableResult
    /// Trains for `options.steps` steps with the global batch split across the ranks of `communicator`.
    public func train(images: TrainingImages, communicator: Communicator, buckets: GradientBuckets = GradientBuckets(),
                      progress: (Int, StepReport) -> Void = { _, _ in }) throws -> [StepReport] {
        let split = try DataParallelSplit(globalBatch: options.batchSize, rank: communicator.rank, size: communicator.size)
        var reports: [StepReport] = []
        while stepsTaken < options.steps {
            let batch = try drawBatch(samples: split.sampleIndices(step: stepsTaken), images: images, step: stepsTaken)
            let report = try step(latents: batch.latents, noise: batch.noise, timesteps: batch.timesteps, weight: split.weight,
                                  reduceValues: { values in values = try communicator.allreduce(values, op: .sum) },
                                  reduceGradients: { try buckets.allreduceSum($0, communicator: communicator) })
            reports.append(report)
            progress(stepsTaken, report)
        }
        return reports
    }
}
