import Synchronization

/// The seconds a training job's rank spends in each part of every optimizer step, and its checkpoint writes: the
/// spans (`Activity`) that end while the timer is the current one (`recording`) add to the step in progress.
public final class TrainingTimer: Sendable {
    /// The timer of the job running on this thread (set by `recording`, read where spans begin).
    @TaskLocal public static var current: TrainingTimer?

    /// One optimizer step on this rank.
    public struct Step: Sendable, Equatable {
        /// The whole step, from drawing its batch to the optimizer's update.
        public var seconds: Double = 0
        /// Seconds per kind of work inside it (`data`, `forward`, `backward`, `sync`, `allreduce`, `optimizer`).
        public var parts: [ActivityKind: Double] = [:]
        /// Bytes of gradient allreduced by this rank.
        public var allreduceBytes = 0

        public init(seconds: Double = 0, parts: [ActivityKind: Double] = [:], allreduceBytes: Int = 0) {
            self.seconds = seconds
            self.parts = parts
            self.allreduceBytes = allreduceBytes
        }
    }

    /// This rank's shard of one checkpoint save.
    public struct CheckpointWrite: Sendable, Equatable {
        public var seconds: Double
        /// The shard's tensors before and after compression.
        public var rawBytes: Int
        public var compressedBytes: Int

        public init(seconds: Double, rawBytes: Int, compressedBytes: Int) {
            self.seconds = seconds
            self.rawBytes = rawBytes
            self.compressedBytes = compressedBytes
        }
    }

    private struct State {
        var steps: [Step] = []
        var open: Step?
        var writes: [CheckpointWrite] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` (a job's training) with this as the current timer.
    public func recording<T>(_ body: () throws -> T) rethrows -> T {
        try Self.$current.withValue(self, operation: body)
    }

    /// The steps measured so far, in order.
    public var steps: [Step] { state.withLock { $0.steps } }

    public var checkpointWrites: [CheckpointWrite] { state.withLock { $0.writes } }

    func beginStep() {
        state.withLock { $0.open = Step() }
    }

    func add(_ span: ActivitySpan, seconds: Double) {
        state.withLock { state in
            switch span.kind {
            case .step:
                guard var step = state.open else { return }
                step.seconds = seconds
                state.steps.append(step)
                state.open = nil
            case .checkpointWrite:
                state.writes.append(CheckpointWrite(seconds: seconds, rawBytes: span.bytes, compressedBytes: span.compressedBytes))
            case .data, .forward, .backward, .sync, .allreduce, .optimizer:
                guard state.open != nil else { return }
                state.open!.parts[span.kind, default: 0] += seconds
                if span.kind == .allreduce { state.open!.allreduceBytes += span.bytes }
            case .stage, .phase, .checkpointSave, .checkpointLoad, .generate:
                return
            }
        }
    }

    /// This rank's figures over the steps measured: the spread of each part over the steps, the gradient
    /// allreduce's bandwidths among `ranks` ranks, and the checkpoint writes.
    public func summary(rank: Int, ranks: Int) -> RankTimings {
        let (steps, writes) = state.withLock { ($0.steps, $0.writes) }
        func spread(_ kind: ActivityKind) -> TimingSpread { TimingSpread(steps.map { $0.parts[kind] ?? 0 }) }
        var timings = RankTimings(
            rank: rank, steps: steps.count, step: TimingSpread(steps.map(\.seconds)), data: spread(.data),
            forward: spread(.forward), backward: spread(.backward), sync: spread(.sync), allreduce: spread(.allreduce),
            optimizer: spread(.optimizer))
        let bytes = steps.reduce(0) { $0 + $1.allreduceBytes }
        if ranks > 1, bytes > 0 {
            timings.allreduceBytesPerStep = bytes / max(steps.count, 1)
            let seconds = steps.reduce(0) { $0 + ($1.parts[.allreduce] ?? 0) }
            if let algorithm = Bandwidth.algorithm(bytes: bytes, seconds: seconds) {
                timings.algorithmBandwidth = algorithm
                timings.busBandwidth = Bandwidth.allreduceBus(algorithm: algorithm, ranks: ranks)
            }
        }
        if !writes.isEmpty {
            timings.checkpointWrites = CheckpointWriteTimings(writes)
        }
        return timings
    }
}

/// The smallest, mean and largest of some seconds (all 0 for none).
public struct TimingSpread: Codable, Sendable, Equatable {
    public var min: Double
    public var mean: Double
    public var max: Double

    public init(min: Double, mean: Double, max: Double) {
        self.min = min
        self.mean = mean
        self.max = max
    }

    public init(_ values: [Double]) {
        guard let low = values.min(), let high = values.max() else {
            self.init(min: 0, mean: 0, max: 0)
            return
        }
        self.init(min: low, mean: values.reduce(0, +) / Double(values.count), max: high)
    }
}

/// One rank's timings of a training job (the `timings` of a report's `training` section): seconds per optimizer
/// step and per part of it, spread over the steps this run took (a resumed job: the steps after the resume).
public struct RankTimings: Codable, Sendable, Equatable {
    public var rank: Int
    public var steps: Int
    public var step: TimingSpread
    public var data: TimingSpread
    public var forward: TimingSpread
    public var backward: TimingSpread
    /// Waiting at the step's first collective for the other ranks.
    public var sync: TimingSpread
    /// The gradient allreduce.
    public var allreduce: TimingSpread
    public var optimizer: TimingSpread
    /// Gradient bytes allreduced per step; nil on one rank.
    public var allreduceBytesPerStep: Int?
    /// nccl-tests' algorithm bandwidth (bytes / seconds) and bus bandwidth (× 2(n − 1)/n) of the gradient
    /// allreduce, in bytes per second.
    public var algorithmBandwidth: Double?
    public var busBandwidth: Double?
    public var checkpointWrites: CheckpointWriteTimings?

    public init(rank: Int, steps: Int, step: TimingSpread, data: TimingSpread, forward: TimingSpread,
                backward: TimingSpread, sync: TimingSpread, allreduce: TimingSpread, optimizer: TimingSpread) {
        self.rank = rank
        self.steps = steps
        self.step = step
        self.data = data
        self.forward = forward
        self.backward = backward
        self.sync = sync
        self.allreduce = allreduce
        self.optimizer = optimizer
    }
}

/// A rank's shards of the checkpoints it saved: count, seconds compressing and writing, bytes before and after.
public struct CheckpointWriteTimings: Codable, Sendable, Equatable {
    public var saves: Int
    public var seconds: Double
    public var rawBytes: Int
    public var compressedBytes: Int
    /// Raw megabytes (10⁶ bytes) saved per second.
    public var megabytesPerSecond: Double?
    /// Raw bytes / compressed bytes.
    public var compressionRatio: Double?

    public init(_ writes: [TrainingTimer.CheckpointWrite]) {
        saves = writes.count
        seconds = writes.reduce(0) { $0 + $1.seconds }
        rawBytes = writes.reduce(0) { $0 + $1.rawBytes }
        compressedBytes = writes.reduce(0) { $0 + $1.compressedBytes }
        megabytesPerSecond = seconds > 0 && rawBytes > 0 ? Double(rawBytes) / 1e6 / seconds : nil
        compressionRatio = compressedBytes > 0 ? Double(rawBytes) / Double(compressedBytes) : nil
    }
}

/// The bandwidths nccl-tests reports for a collective.
public enum Bandwidth {
    /// Algorithm bandwidth: the buffer's bytes over the seconds the collective took; nil without time or bytes.
    public static func algorithm(bytes: Int, seconds: Double) -> Double? {
        guard bytes > 0, seconds > 0, seconds.isFinite else { return nil }
        return Double(bytes) / seconds
    }

    /// Bus bandwidth of an allreduce among `ranks`: algorithm bandwidth × 2(n − 1)/n, what each rank's links
    /// carried (a ring sends and receives 2(n − 1)/n of the buffer), comparable with the hardware's peak.
    public static func allreduceBus(algorithm: Double, ranks: Int) -> Double {
        guard ranks > 1 else { return 0 }
        return algorithm * 2 * Double(ranks - 1) / Double(ranks)
    }
}
