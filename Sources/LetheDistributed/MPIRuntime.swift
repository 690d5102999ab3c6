import CMPI
import LetheTelemetry
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide MPI state: starts MPI once, serialises every MPI call, finalises once.
///
/// MPI is started with `MPI_THREAD_SERIALIZED`: any thread may call MPI, one at a time. The lock around every call
/// makes that hold for Swift code on any thread, which is what lets `Communicator` be `Sendable`. It also orders
/// calls against `finalize`, so a call after finalisation throws instead of being undefined behaviour.
final class MPIRuntime: Sendable {
    static let shared = MPIRuntime()

    private enum Phase: Sendable {
        case notStarted
        case running(ownsInitialization: Bool)
        case finalized
    }

    private let phase = Mutex<Phase>(.notStarted)

    private init() {}

    /// Starts MPI unless it is running; throws if it was already finalised (MPI cannot be restarted).
    func start() throws {
        try phase.withLock { phase in
            switch phase {
            case .running:
                return
            case .finalized:
                throw CommunicatorError.mpiNotRunning(operation: "MPI_Init_thread")
            case .notStarted:
                var alreadyInitialized: Int32 = 0
                try Self.check("MPI_Initialized", MPI_Initialized(&alreadyInitialized))
                if alreadyInitialized == 0 {
                    // Open MPI as packaged by Debian provides MULTIPLE; a build that provides less still works for
                    // the single-threaded CLI, so the provided level is not enforced.
                    var provided: Int32 = 0
                    try Self.check(
                        "MPI_Init_thread", MPI_Init_thread(nil, nil, lethe_mpi_thread_serialized(), &provided))
                }
                // Our communicators report failures as return codes (mapped to thrown errors) instead of aborting.
                try Self.check(
                    "MPI_Comm_set_errhandler",
                    MPI_Comm_set_errhandler(lethe_mpi_comm_world(), lethe_mpi_errors_return()))
                phase = .running(ownsInitialization: alreadyInitialized == 0)
            }
        }
    }

    /// Finalises MPI if this runtime started it; a no-op when MPI never ran or was already finalised.
    ///
    /// `MPI_Finalize` synchronises with the other ranks, so every rank must call this; a rank that stops on an error
    /// calls `abort` instead.
    func finalize() throws {
        // MPI_Finalize waits for every rank as long as it takes (rank 0 may still be writing the output).
        Watchdog.shared.stop()
        try phase.withLock { phase in
            guard case .running(let ownsInitialization) = phase else { return }
            phase = .finalized
            var finalized: Int32 = 0
            try Self.check("MPI_Finalized", MPI_Finalized(&finalized))
            if ownsInitialization && finalized == 0 {
                try Self.check("MPI_Finalize", MPI_Finalize())
            }
        }
    }

    /// Whether MPI is started and not yet finalised (waits while another thread is inside an MPI call).
    var isRunning: Bool {
        phase.withLock { phase in
            if case .running = phase { return true }
            return false
        }
    }

    /// Runs one MPI call under the lock, throwing if MPI is not running or the call returns an error code. Every
    /// MPI call of a job passes here, so the watchdog learns which call a rank is in (`bytes`: what it moves on
    /// this rank) and for how long.
    func call(_ operation: String, bytes: Int = 0, _ body: () -> Int32) throws {
        try phase.withLock { phase in
            guard case .running = phase else { throw CommunicatorError.mpiNotRunning(operation: operation) }
            Watchdog.shared.enterCall(operation, bytes: bytes)
            defer { Watchdog.shared.leaveCall() }
            try Self.check(operation, body())
        }
    }

    /// Ends every process of the job with `code`. Takes no lock: another thread may be blocked inside a collective.
    func abort(_ communicator: MPI_Comm?, code: Int32) -> Never {
        fflush(nil)
        var initialized: Int32 = 0
        var finalized: Int32 = 0
        // MPI_Initialized and MPI_Finalized may be called from any thread at any time.
        _ = MPI_Initialized(&initialized)
        _ = MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 {
            _ = MPI_Abort(communicator ?? lethe_mpi_comm_world(), code)
        }
        exit(code)
    }

    /// The MPI library's version text (callable before MPI starts and after it ends).
    static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: Int(lethe_mpi_max_library_version_string()) + 1)
        var length: Int32 = 0
        guard MPI_Get_library_version(&buffer, &length) == lethe_mpi_success() else { return "unknown MPI library" }
        // Open MPI counts the terminating NUL in `length`; stop at the first NUL whatever the count says.
        let bytes = buffer.prefix(Int(max(0, length))).prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
    }

    /// MPI_Error_string's text for `code`.
    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(lethe_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(code, &buffer, &length) == lethe_mpi_success() else { return "unknown MPI error" }
        let bytes = buffer.prefix(Int(max(0, length))).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
    }

    private static func check(_ operation: String, _ code: Int32) throws {
        guard code != lethe_mpi_success() else { return }
        throw CommunicatorError.mpi(operation: operation, code: code, message: errorString(code))
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
