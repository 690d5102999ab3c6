import Foundation
import LetheDistributed
import LetheModels
import LetheTelemetry
import LetheTensor
import LetheTraining

/// Data-parallel training on MPI ranks: each rank takes its share of the global batch, runs the method's forward
/// and backward, and the one training step (`DiffusionTrainer.step`) sums values and gradients across ranks, so
/// every rank takes the same optimizer step and the result does not depend on the number of ranks.
public struct DataParallelTraining {
    public let split: DataParallelSplit
    public let reduction: GradientReduction

    public init(globalBatch: Int, communicator: Communicator, buckets: GradientBuckets = GradientBuckets()) throws {
        split = try DataParallelSplit(globalBatch: globalBatch, rank: communicator.rank, size: communicator.size)
        // The values' allreduce is the step's first collective: the time in it is waiting for the slowest rank.
        reduction = GradientReduction(
            sumValues: { values in
                try Activity.measure(.sync, "loss values") { try communicator.allreduce(values, op: .sum) }
            },
            sumGradients: { gradients in
                try Activity.measure(.allreduce, "gradients",
                                     bytes: communicator.size > 1 ? gradients.count * MemoryLayout<Float>.stride : 0) {
                    try buckets.allreduceSum(gradients, communicator: communicator)
                }
            })
    }

    /// Steps `trainer` until it has taken `steps`: `step(samples, weight, reduction)` runs one optimizer step of the
    /// method on this rank's global sample indices, `progress(steps taken, report)` after each (on every rank), then
    /// `afterStep(every report so far)` (where a job checkpoints). `history`: the reports of the steps a resumed
    /// trainer has already taken. With `sampling` each step's global batch is its Poisson sample (of varying size,
    /// shared out the same way; a rank's share may be empty) instead of the next `globalBatch` samples.
    public func run<Report>(
        trainer: DiffusionTrainer, steps: Int, history: [Report] = [], sampling: PoissonSampling? = nil,
        step: (_ samples: [Int], _ weight: Double, _ reduction: GradientReduction) throws -> Report,
        progress: (Int, Report) -> Void = { _, _ in }, afterStep: ([Report]) throws -> Void = { _ in }
    ) throws -> [Report] {
        var reports = history
        while trainer.stepsTaken < steps {
            let report = try Activity.step(trainer.stepsTaken + 1) {
                StallTestHook.pauseIfAsked(rank: split.rank, step: trainer.stepsTaken + 1)
                guard let sampling else {
                    return try step(split.sampleIndices(step: trainer.stepsTaken), split.weight, reduction)
                }
                let global = sampling.samples(step: trainer.stepsTaken)
                let local = Array(global[Communicator.share(of: global.count, rank: split.rank, size: split.size)])
                return try step(local, global.isEmpty ? 0 : Double(local.count) / Double(global.count), reduction)
            }
            reports.append(report)
            progress(trainer.stepsTaken, report)
            try afterStep(reports)
        }
        return reports
    }
}

/// Callbacks as a training job goes (they run on every rank; print on rank 0 only).
public struct TrainingProgress<StepReport> {
    /// Training images generated so far of this rank's share.
    public var generating: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    /// The training steps start, after `resumedSteps` steps a checkpoint restored (0 on a fresh start).
    public var trainingStarts: (_ resumedSteps: Int) -> Void = { _ in }
    /// After each optimizer step: the steps taken and what the step measured.
    public var step: (_ taken: Int, _ report: StepReport) -> Void = { _, _ in }

    public init() {}
}

/// How a global batch is shared between the ranks of a data-parallel job: rank r takes a contiguous run of the
/// global sample indices (the first `global % size` ranks one more), and its gradient counts in proportion to the
/// samples it took, so the summed gradient is that of the whole batch.
public struct DataParallelSplit: Sendable, Equatable {
    public let globalBatch: Int
    public let rank: Int
    public let size: Int

    /// Throws when the global batch has fewer samples than there are ranks (a rank would have nothing to do).
    public init(globalBatch: Int, rank: Int, size: Int) throws {
        precondition(size > 0 && rank >= 0 && rank < size, "rank \(rank) of \(size)")
        guard globalBatch >= size else {
            throw ErasureError.invalidSetting(
                Setting.batchSize,
                reason: "is \(globalBatch), fewer samples than the \(size) ranks; give at least one sample per rank")
        }
        self.globalBatch = globalBatch
        self.rank = rank
        self.size = size
    }

    /// This rank's positions within the global batch.
    public var localRange: Range<Int> { Communicator.share(of: globalBatch, rank: rank, size: size) }

    /// The global sample indices this rank handles at optimizer step `step`.
    public func sampleIndices(step: Int) -> [Int] {
        localRange.map { step * globalBatch + $0 }
    }

    /// This rank's share of a batch-mean loss: local samples / global batch.
    public var weight: Double { Double(localRange.count) / Double(globalBatch) }
}

/// The gradient allreduce of data-parallel training: the flat gradient buffer summed across ranks in fixed-size
/// buckets, always in buffer order, so every rank issues the same collectives and ends with bit-identical sums
/// (each rank then takes the same optimizer step).
public struct GradientBuckets: Sendable {
    /// Floats per allreduce call (16 MiB of float32 by default).
    public let bucketElements: Int

    public init(bucketElements: Int = 1 << 22) {
        precondition(bucketElements > 0, "a gradient bucket holds at least one value")
        self.bucketElements = bucketElements
    }

    /// The element ranges of the buckets of a buffer of `count` floats, in the order they are reduced.
    public func buckets(count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: bucketElements).map { $0..<Swift.min(count, $0 + bucketElements) }
    }

    /// Sums `values` across the ranks of `communicator`, bucket by bucket, in place.
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>, communicator: Communicator) throws {
        guard communicator.size > 1, let base = values.baseAddress else { return }
        for range in buckets(count: values.count) {
            try communicator.allreduce(UnsafeMutableBufferPointer(start: base + range.lowerBound, count: range.count), op: .sum)
        }
    }

    /// Sums a gradient buffer across ranks in place.
    public func allreduceSum(_ gradients: ParameterGradients, communicator: Communicator) throws {
        try allreduceSum(UnsafeMutableBufferPointer(start: gradients.storage.base, count: gradients.count),
                         communicator: communicator)
    }
}

/// A test hook, for the watchdog's check under mpirun (`Scripts/observability-mpi-check.sh`): with
/// `LETHE_TEST_STALL_RANK=R` and `LETHE_TEST_STALL_AT_STEP=S` in the environment, rank R stops for good at the start
/// of optimizer step S (counted from 1), as a hung node would, so that the other ranks wait in the step's first
/// collective. Not for use outside tests: nothing but the watchdog (or a signal) ends the wait.
enum StallTestHook {
    private static let target: (rank: Int, step: Int)? = {
        let environment = ProcessInfo.processInfo.environment
        guard let rank = environment["LETHE_TEST_STALL_RANK"].flatMap(Int.init),
              let step = environment["LETHE_TEST_STALL_AT_STEP"].flatMap(Int.init) else { return nil }
        return (rank, step)
    }()

    static func pauseIfAsked(rank: Int, step: Int) {
        guard let target, target.rank == rank, target.step == step else { return }
        while true { sleep(3600) }
    }
}
