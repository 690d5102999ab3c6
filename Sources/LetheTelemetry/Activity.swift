import Synchronization

/// What a measured piece of work is; the raw value is its category in a trace.
public enum ActivityKind: String, Sendable, Codable, CaseIterable {
    /// A stage of a job as its report's `timings` name it (load, images, train, write, …).
    case stage
    /// A part of a job worth naming while it runs (writing the output).
    case phase
    /// One optimizer step of a training job.
    case step
    /// Drawing a step's batch: images, crops, the VAE's latents, noise.
    case data
    case forward
    case backward
    /// The step's first collective, the loss values: a rank waits there for the slowest one.
    case sync
    /// The gradient allreduce.
    case allreduce
    /// Clipping, the learning rate and the optimizer's update.
    case optimizer
    /// A whole checkpoint save, every rank together.
    case checkpointSave = "checkpoint_save"
    /// This rank's shard of a save: compressing its tensors and writing them.
    case checkpointWrite = "checkpoint_write"
    case checkpointLoad = "checkpoint_load"
    /// One image generated with the base model.
    case generate
}

/// A piece of work being measured: `Activity.begin` starts it, `end()` records it in the trace (when one is being
/// recorded), in the training timer of the job (when one is set) and as progress for the watchdog.
public struct ActivitySpan: Sendable {
    public let kind: ActivityKind
    public let name: String
    /// Bytes the work moved: a collective's buffer, a checkpoint shard's values before compression.
    public var bytes: Int
    /// A checkpoint shard's bytes once compressed.
    public var compressedBytes = 0
    let id: Int
    let start: UInt64
    let thread: Int
    let timer: TrainingTimer?

    init(kind: ActivityKind, name: String, bytes: Int, id: Int, timer: TrainingTimer?) {
        self.kind = kind
        self.name = name
        self.bytes = bytes
        self.id = id
        self.timer = timer
        thread = currentThreadID()
        start = TelemetryClock.monotonic()
    }

    /// Records the span; call it once.
    public func end() {
        let end = TelemetryClock.monotonic()
        Watchdog.shared.leave(id)
        timer?.add(self, seconds: Double(end &- start) / 1e9)
        TraceRecorder.shared.record(self, end: end)
    }
}

/// The one way work is measured: spans of a kind and a name, which feed the trace (`--trace`), the per-step
/// timings of a training job's report and the watchdog's picture of where each rank is. Cheap when no trace is
/// recorded: two clock reads and a lock taken twice per span, and spans are coarse (a pass, a collective, a save).
public enum Activity {
    private static let nextID = Atomic<Int>(0)

    /// Starts a span; `end()` it when the work is done.
    public static func begin(_ kind: ActivityKind, _ name: String, bytes: Int = 0) -> ActivitySpan {
        let id = nextID.add(1, ordering: .relaxed).newValue
        Watchdog.shared.enter(id, kind: kind, name: name)
        let timer = TrainingTimer.current
        if kind == .step { timer?.beginStep() }
        return ActivitySpan(kind: kind, name: name, bytes: bytes, id: id, timer: timer)
    }

    /// `body` measured as one span (recorded whether it returns or throws).
    public static func measure<T>(_ kind: ActivityKind, _ name: String, bytes: Int = 0, _ body: () throws -> T) rethrows -> T {
        let span = begin(kind, name, bytes: bytes)
        defer { span.end() }
        return try body()
    }

    /// Optimizer step `number` (counted from 1) of a training loop, measured as a whole; the watchdog names it.
    public static func step<T>(_ number: Int, _ body: () throws -> T) rethrows -> T {
        Watchdog.shared.setStep(number)
        defer { Watchdog.shared.setStep(nil) }
        return try measure(.step, "step \(number)", body)
    }

    /// A span known only once it is over: `start` and `end` are `TelemetryClock.monotonic()` readings. A stage's
    /// name also becomes the watchdog's "after stage …" until the next.
    public static func record(_ kind: ActivityKind, _ name: String, start: UInt64, end: UInt64) {
        if kind == .stage { Watchdog.shared.finishedStage(name) }
        Watchdog.shared.progress()
        TraceRecorder.shared.record(kind: kind, name: name, start: start, end: end, thread: currentThreadID(), bytes: 0,
                                    compressedBytes: 0)
    }
}
