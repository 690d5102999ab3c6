#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Process-wide facts about MPI, for `lethe info` and for choosing the world.
extension Communicator {
    /// Environment variables set by MPI launchers: Open MPI's mpirun, PMIx (srun --mpi=pmix), PMI (srun, Hydra).
    public static let launcherEnvironmentVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"]

    /// Whether this process was started by an MPI launcher (judged from this process's environment).
    public static var isLaunchedByMPI: Bool {
        launcherEnvironmentVariables.contains { getenv($0) != nil }
    }

    /// Whether an environment with these variables comes from an MPI launcher.
    public static func isLaunchedByMPI(environment: [String: String]) -> Bool {
        launcherEnvironmentVariables.contains { environment[$0] != nil }
    }

    /// The MPI library's version text (MPI_Get_library_version; does not start MPI).
    public static var mpiLibraryVersion: String { MPIRuntime.libraryVersion }

    /// Whether MPI is started and not yet finalised.
    public static var isMPIInitialized: Bool { MPIRuntime.shared.isRunning }

    /// Finalises MPI if it was started; safe to call more than once and when MPI never ran.
    ///
    /// `MPI_Finalize` waits for the other ranks, so every rank calls this at the end of a successful run; a rank
    /// that stops on an error calls `abort(code:)` instead, so that no rank waits forever.
    public static func finalize() throws {
        try MPIRuntime.shared.finalize()
    }
}
