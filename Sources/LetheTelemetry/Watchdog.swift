import Foundation
import Synchronization

/// Aborts a job whose rank has stopped making progress (`--watchdog-seconds N`): a collective that one rank never
/// enters leaves the others waiting forever, and Open MPI has no timeout of its own.
///
/// The job records where it is, cheaply: every MPI call enters and leaves through one choke point
/// (`enterCall`/`leaveCall`, from the communicator's runtime), spans (`Activity`) say which step and what work,
/// and the process's CPU time says whether it computes. A background thread looks once a second; when one MPI call
/// has waited N seconds, or nothing progressed for N seconds outside MPI, it writes one line naming the rank, the
/// step and the last collective to stderr and ends the process with `_exit(124)` (as timeout(1)), and mpirun ends
/// the other ranks. It never calls MPI: calls are serialised under a lock that the stuck call holds, so even
/// MPI_Abort would wait forever.
///
/// A deliberate long wait (ranks waiting for rank 0 to finish something alone) goes inside `Watchdog.idle { }`.
public final class Watchdog: Sendable {
    public static let shared = Watchdog()

    /// The exit status of a job the watchdog ends (as `timeout(1)`).
    public static let exitCode: Int32 = 124

    /// The MPI call the rank is in, or was last in.
    public struct Collective: Sendable, Equatable {
        /// The MPI function, e.g. "MPI_Allreduce".
        public var operation: String
        /// Bytes the call moves on this rank (0: none or not known).
        public var bytes: Int
        /// The innermost span around it, e.g. "gradients".
        public var purpose: String?
        /// Monotonic nanoseconds when the call was entered.
        public var entered: UInt64

        public init(operation: String, bytes: Int, purpose: String?, entered: UInt64) {
            self.operation = operation
            self.bytes = bytes
            self.purpose = purpose
            self.entered = entered
        }
    }

    private struct OpenSpan {
        var id: Int
        var kind: ActivityKind
        var name: String
    }

    private struct Context {
        /// What the line names as the job ("fmn"; under `lethe run`, the erasure running).
        var job = ""
        var open: [OpenSpan] = []
        var step: Int?
        var lastStage: String?
        var lastCall: Collective?
    }

    /// Counts progress: MPI calls returned, spans ended, idle waits over.
    private let marks = Atomic<Int>(0)
    private let idleDepth = Atomic<Int>(0)
    /// Monotonic nanoseconds when the MPI call in progress was entered; 0 while none is.
    private let callEntered = Atomic<UInt64>(0)
    private let context = Mutex(Context())
    /// A checker thread runs while the generation it started with is current; `start` and `stop` move it on.
    private let generation = Atomic<Int>(0)

    public init() {}

    // MARK: What the job records

    /// Something got done.
    @inline(__always)
    public func progress() { marks.add(1, ordering: .relaxed) }

    /// The MPI call `operation` starts, moving `bytes` on this rank.
    public func enterCall(_ operation: String, bytes: Int) {
        let now = TelemetryClock.monotonic()
        context.withLock { context in
            context.lastCall = Collective(operation: operation, bytes: bytes, purpose: context.open.last?.name, entered: now)
        }
        callEntered.store(max(now, 1), ordering: .releasing)
    }

    /// The MPI call returned.
    public func leaveCall() {
        callEntered.store(0, ordering: .releasing)
        progress()
    }

    /// Runs `body` exempt from the watchdog: a deliberate wait of unbounded length (for another group of ranks, for
    /// rank 0 writing alone). The time starts again when it returns.
    public static func idle<T>(_ body: () throws -> T) rethrows -> T {
        try shared.idle(body)
    }

    /// `idle(body)` when `condition` holds (on the ranks that wait), else `body` watched as usual.
    public static func idle<T>(when condition: Bool, _ body: () throws -> T) rethrows -> T {
        condition ? try shared.idle(body) : try body()
    }

    public func idle<T>(_ body: () throws -> T) rethrows -> T {
        idleDepth.add(1, ordering: .sequentiallyConsistent)
        defer {
            idleDepth.subtract(1, ordering: .sequentiallyConsistent)
            progress()
        }
        return try body()
    }

    func enter(_ id: Int, kind: ActivityKind, name: String) {
        context.withLock { $0.open.append(OpenSpan(id: id, kind: kind, name: name)) }
    }

    func leave(_ id: Int) {
        context.withLock { context in
            if let index = context.open.lastIndex(where: { $0.id == id }) { context.open.remove(at: index) }
        }
        progress()
    }

    func setStep(_ step: Int?) {
        context.withLock { $0.step = step }
        progress()
    }

    /// The job the watchdog's line names from now on (`lethe run` names each erasure as it starts).
    public func setJob(_ job: String) {
        context.withLock { $0.job = job }
    }

    func finishedStage(_ name: String) {
        context.withLock { $0.lastStage = name }
    }

    /// What the checker sees now.
    public func snapshot() -> WatchdogSnapshot {
        let entered = callEntered.load(ordering: .acquiring)
        return context.withLock { context in
            WatchdogSnapshot(
                marks: marks.load(ordering: .relaxed), cpu: TelemetryClock.processCPU(),
                idle: idleDepth.load(ordering: .sequentiallyConsistent) > 0, callEntered: entered == 0 ? nil : entered,
                step: context.step, activity: context.open.last?.name, lastStage: context.lastStage,
                lastCall: context.lastCall)
        }
    }

    // MARK: The checker

    /// Starts checking once a second (stopping any checker already running); `seconds` 0 only stops it. The line
    /// the checker writes names `job` (see `setJob`) and, for a job of several ranks, `rank` of `size`.
    public func start(seconds: Int, job: String, rank: Int, size: Int) {
        let current = generation.add(1, ordering: .sequentiallyConsistent).newValue
        guard seconds > 0 else { return }
        setJob(job)
        progress()
        Thread.detachNewThread { [self] in
            var monitor = WatchdogMonitor(limitSeconds: seconds)
            while generation.load(ordering: .sequentiallyConsistent) == current {
                if let stall = monitor.observe(snapshot(), at: TelemetryClock.monotonic()),
                   generation.load(ordering: .sequentiallyConsistent) == current {
                    let job = context.withLock { $0.job }
                    let line = Array((stall.message(job: job, rank: rank, size: size) + "\n").utf8)
                    // Straight to the file descriptor: no lock that the stuck thread might hold.
                    line.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
                    _exit(Self.exitCode)
                }
                usleep(1_000_000)
            }
        }
    }

    /// Stops checking (the end of the job: the ranks may now wait for each other as long as it takes).
    public func stop() {
        generation.add(1, ordering: .sequentiallyConsistent)
    }
}
