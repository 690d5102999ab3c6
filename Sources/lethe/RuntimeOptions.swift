import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure
import LetheIO
import Synchronization

/// The flags of a running job, in every erasure subcommand and `lethe run` (also YAML keys of a job file): the
/// watchdog and the trace. The command calls `start` first; `Lethe.main` calls `finish` after a successful run.
struct RuntimeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Abort the whole job (exit 124) when a rank makes no progress for N seconds, naming the step and the last collective. 0: off.",
        valueName: "n"))
    var watchdogSeconds = 0

    @Option(help: ArgumentHelp(
        "Write a Chrome trace (chrome://tracing, Perfetto) of every rank's steps, passes, collectives, checkpoints and generated images at the end.",
        valueName: "file"))
    var trace: String?

    /// The job's runtime once started (one per process).
    private static let active = Mutex<JobRuntime?>(nil)

    /// Arms the watchdog and the trace of `job` on every rank of `communicator` (its world). `inputs`: what the
    /// trace may not overwrite, by role (nil paths are skipped); `overwrite`: whether it may replace a trace Lethe
    /// wrote.
    func start(_ job: String, communicator: Communicator, overwrite: Bool, inputs: [(role: String, path: String?)]) throws {
        let runtime = try JobRuntime.start(
            RuntimeSettings(watchdogSeconds: watchdogSeconds, trace: trace.map { URL(fileURLWithPath: $0) }), job: job,
            communicator: communicator, inputs: inputs.compactMap { role, path in path.map { OutputGuard.Input($0, role: role) } },
            overwrite: overwrite)
        Self.active.withLock { $0 = runtime }
    }

    /// After a successful run, on every rank: writes the trace (rank 0) and stops the watchdog.
    static func finish() throws {
        try active.withLock { runtime in
            defer { runtime = nil }
            try runtime?.finish()
        }
    }
}
