import LetheDistributed
import LetheModels

extension TextualInversionTrainer {
    @discardableResult
    /// Trains for `options.steps` steps with the global batch split across the ranks of `communicator`: each rank
    /// draws its samples, the gradients are summed in fixed buckets and every rank takes the same step.
    /// `progress(step, report)` runs after each step on every rank (print on rank 0 only).
    public func train(images: TrainingImages, communicator: Communicator, buckets: GradientBuckets = GradientBuckets(),
                      progress: (Int, StepReport) -> Void = { _, _ in }) throws -> [StepReport] {
        let split = try DataParallelSplit(globalBatch: options.batchSize, rank: communicator.rank, size: communicator.size)
        var reports: [StepReport] = []
        while stepsTaken < options.steps {
            let report = try step(samples: split.sampleIndices(step: stepsTaken), images: images, weight: split.weight) {
                gradients, loss in
                try buckets.allreduceSum(gradients, communicator: communicator)
                loss = try communicator.allreduce(loss, op: .sum)
            }
            reports.append(report)
            progress(stepsTaken, report)
        }
        return reports
    }
}
