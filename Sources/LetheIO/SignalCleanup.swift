import Dispatch
import Foundation

/// Removes half-written outputs when the process is stopped by SIGINT or SIGTERM (Ctrl-C, `kill`, mpirun or Slurm
/// ending a job), then ends the process by the same signal, so the exit status still says what happened.
///
/// The signals are taken by dispatch sources rather than a C handler: removing a folder tree is not
/// async-signal-safe, and a dispatch source runs its handler on a queue, outside signal context.
public enum SignalCleanup {
    private static let state = State()

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var paths: [Int: String] = [:]
        var next = 0
        var sources: [DispatchSourceSignal] = []
        var stopping = false
        /// Training with checkpoints: SIGUSR1 and a first SIGTERM ask for a stop at the next step boundary.
        var graceful = false
        var stopRequested = false
    }

    /// From now on SIGUSR1 (and a first SIGTERM: what Slurm sends before a time limit) do not end the process but
    /// set `isStopRequested`, which a training loop reads at each step boundary to checkpoint and exit cleanly. A
    /// second SIGTERM, or SIGINT, still ends the process at once.
    public static func enableGracefulStop() {
        state.lock.lock()
        defer { state.lock.unlock() }
        installIfNeeded()
        state.graceful = true
        guard !state.sources.contains(where: { $0.handle == UInt(SIGUSR1) }) else { return }
        signal(SIGUSR1, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
        source.setEventHandler { requestStop("SIGUSR1") }
        source.resume()
        state.sources.append(source)
    }

    /// Whether a graceful stop was asked for (see `enableGracefulStop`).
    public static var isStopRequested: Bool {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.stopRequested
    }

    private static func requestStop(_ name: String) {
        state.lock.lock()
        let first = !state.stopRequested
        state.stopRequested = true
        state.lock.unlock()
        if first {
            FileHandle.standardError.write(Data("lethe: \(name): stopping after this step with a checkpoint\n".utf8))
        }
    }

    /// Whether a stop signal arrived: the process is about to end by it, and other threads' errors (their files
    /// vanishing under them) are not worth reporting.
    public static var isStopping: Bool {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.stopping
    }

    /// Parks the calling thread when a stop signal is being handled, so that it does not exit with its own status
    /// before the handler ends the process by the signal.
    public static func waitIfStopping() {
        guard isStopping else { return }
        while true { sleep(60) }
    }

    /// Removes `path` (a file or a folder tree) if the process is stopped before `unregister` is called with the
    /// returned token.
    public static func register(_ path: String) -> Int {
        state.lock.lock()
        defer { state.lock.unlock() }
        installIfNeeded()
        state.next += 1
        state.paths[state.next] = path
        return state.next
    }

    public static func unregister(_ token: Int) {
        state.lock.lock()
        state.paths[token] = nil
        state.lock.unlock()
    }

    /// Called with the lock held.
    private static func installIfNeeded() {
        guard state.sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM] {
            // The default action would end the process before the source's handler runs.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                state.lock.lock()
                let graceful = signalNumber == SIGTERM && state.graceful && !state.stopRequested
                state.lock.unlock()
                if graceful { requestStop("SIGTERM") } else { cleanUpAndExit(signalNumber) }
            }
            source.resume()
            state.sources.append(source)
        }
    }

    private static func cleanUpAndExit(_ signalNumber: Int32) {
        state.lock.lock()
        state.stopping = true
        let paths = Array(state.paths.values)
        state.paths = [:]
        state.lock.unlock()
        // The main thread may still be writing into the folder while it is removed: repeat until it stays gone.
        for path in paths {
            for _ in 0..<100 {
                try? FileManager.default.removeItem(atPath: path)
                var status = stat()
                if lstat(path, &status) != 0 { break }
            }
        }
        let name = signalNumber == SIGINT ? "SIGINT" : "SIGTERM"
        let note = paths.isEmpty ? "" : "; removed the partial output \(paths.joined(separator: ", "))"
        FileHandle.standardError.write(Data("lethe: stopped by \(name)\(note)\n".utf8))
        signal(signalNumber, SIG_DFL)
        // A process-directed signal: dispatch worker threads block signals, so raise() here would not end anything.
        kill(getpid(), signalNumber)
    }
}
