import Foundation
import LetheDistributed
import LetheIO
import LetheTelemetry
import LetheTensor

/// How a job watches and records itself while it runs.
public struct RuntimeSettings: Sendable, Equatable {
    /// Abort the whole job when a rank makes no progress for this many seconds (see `Watchdog`); 0: no watchdog.
    public var watchdogSeconds = 0
    /// Where rank 0 writes every rank's Chrome trace at the end of the job; nil: none is recorded.
    public var trace: URL?

    /// Thirty days: past any job's step, and far from overflowing nanoseconds.
    public static let maximumWatchdogSeconds = 30 * 24 * 3600

    public init(watchdogSeconds: Int = 0, trace: URL? = nil) {
        self.watchdogSeconds = watchdogSeconds
        self.trace = trace
    }

    public func validate() throws {
        try ResourceBounds.check(.watchdogSeconds, watchdogSeconds, in: 0...Self.maximumWatchdogSeconds, unit: "seconds")
    }
}

/// A job's watchdog and trace on every rank of `communicator`, from `start` to `finish` at its successful end.
public struct JobRuntime: Sendable {
    public let settings: RuntimeSettings
    /// The job as the watchdog names it ("fmn").
    public let job: String
    let communicator: Communicator
    let inputs: [OutputGuard.Input]
    let overwrite: Bool

    /// Checks the settings and, on rank 0, the trace's path (never an input or inside one, replaced only if it is
    /// a trace Lethe wrote and `overwrite` is given); then arms the watchdog and starts recording the trace.
    public static func start(_ settings: RuntimeSettings, job: String, communicator: Communicator,
                             inputs: [OutputGuard.Input], overwrite: Bool) throws -> JobRuntime {
        try settings.validate()
        let runtime = JobRuntime(settings: settings, job: job, communicator: communicator, inputs: inputs,
                                 overwrite: overwrite)
        if communicator.rank == 0 { _ = try runtime.checkTrace() }
        if settings.trace != nil { TraceRecorder.shared.start() }
        Watchdog.shared.start(seconds: settings.watchdogSeconds, job: job, rank: communicator.rank, size: communicator.size)
        return runtime
    }

    /// Every rank together, once the job has succeeded: rank 0 gathers every rank's trace and writes it (the
    /// others wait for it as long as it takes, outside the watchdog); the watchdog stops.
    public func finish() throws {
        defer { Watchdog.shared.stop() }
        guard settings.trace != nil else { return }
        let mine = TraceRecorder.shared.stop(rank: communicator.rank, processID: Int(getpid()), host: Self.hostName)
        let encoded = [UInt8](try JSONEncoder().encode(mine))
        let (counts, gathered) = try Watchdog.idle {
            let counts = try communicator.allgather(encoded.count)
            return (counts, try communicator.gatherv(encoded, counts: counts, root: 0))
        }
        // Checked again: the path may have changed while the job ran.
        guard communicator.rank == 0, let path = try checkTrace() else { return }
        var ranks: [RankTrace] = []
        var start = 0
        for count in counts {
            ranks.append(try JSONDecoder().decode(RankTrace.self, from: Data(gathered[start..<(start + count)])))
            start += count
        }
        try AtomicFileOutput.write(try ChromeTrace.document(ranks, metadata: ["job": job, "ranks": "\(communicator.size)"]),
                                   to: path)
    }

    /// The trace's resolved path, or nil when none is asked for.
    private func checkTrace() throws -> String? {
        guard let trace = settings.trace else { return nil }
        do {
            return try OutputGuard.check(output: trace.path, kind: .trace, inputs: inputs, overwrite: overwrite)
        } catch {
            throw ErasureError.invalidSetting(.trace, reason: "is '\(trace.path)': \(ErasureError.clause(error.description))")
        }
    }

    private static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
