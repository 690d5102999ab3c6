import CMPI

/// A group of ranks that run collectives together: MPI when launched by `mpirun`/`srun`, one process otherwise.
///
/// One concrete class serves both worlds, so argument checking (counts per rank, buffer sizes, roots) is shared and
/// the single-process world, which unit tests use, rejects exactly what the MPI world rejects. The single-process
/// world is rank 0 of 1: reductions are the identity, gathers copy, `split` returns another single world.
///
/// Every collective must be entered by every rank of the communicator, in the same order and with the same counts.
/// Each MPI call carries at most `maxElementsPerCall` elements; longer buffers are sent in several calls.
public final class Communicator: Sendable, CustomStringConvertible {
    /// Elements per MPI call unless configured otherwise: 2^27, so one call moves at most 1 GiB even for 8-byte
    /// elements. Open MPI 4.1 collectives overflow `int` byte offsets past 2 GiB (open-mpi/ompi#9612, #10094).
    public static let defaultMaxElementsPerCall = 1 << 27

    /// Which world a communicator talks to.
    enum Backend: Sendable {
        case singleProcess
        case mpi(MPICommHandle)
    }

    let backend: Backend

    /// This process's rank in `0..<size`.
    public let rank: Int

    /// The number of ranks.
    public let size: Int

    /// The most elements one MPI call carries; collectives on longer buffers run in chunks of this size.
    public let maxElementsPerCall: Int

    /// Threads each rank uses for its share of `orderedSum`/`distributedMap` items (every rank must use the same
    /// number). Items are independent, so this changes the speed, never the result.
    public let itemWorkers: Int

    init(backend: Backend, rank: Int, size: Int, maxElementsPerCall: Int, itemWorkers: Int = 1) {
        precondition(maxElementsPerCall >= 1, "maxElementsPerCall must be at least 1, got \(maxElementsPerCall)")
        precondition(itemWorkers >= 1, "itemWorkers must be at least 1, got \(itemWorkers)")
        self.backend = backend
        self.rank = rank
        self.size = size
        self.itemWorkers = itemWorkers
        // Every count and displacement handed to MPI is an Int32.
        self.maxElementsPerCall = min(maxElementsPerCall, Int(Int32.max))
    }

    /// The world of this job: the MPI world when launched by an MPI launcher (MPI is started on first use), the
    /// single-process world otherwise (MPI is never started then).
    public static func world(maxElementsPerCall: Int = defaultMaxElementsPerCall) throws -> Communicator {
        if isLaunchedByMPI {
            return try mpiWorld(maxElementsPerCall: maxElementsPerCall)
        }
        return singleProcess(maxElementsPerCall: maxElementsPerCall)
    }

    /// The MPI world, starting MPI if needed (without a launcher this is an MPI singleton of size 1).
    public static func mpiWorld(maxElementsPerCall: Int = defaultMaxElementsPerCall) throws -> Communicator {
        try MPIRuntime.shared.start()
        return try Communicator(
            mpi: MPICommHandle(lethe_mpi_comm_world()), maxElementsPerCall: maxElementsPerCall)
    }

    /// A world of one process that never touches MPI.
    public static func singleProcess(maxElementsPerCall: Int = defaultMaxElementsPerCall) -> Communicator {
        Communicator(backend: .singleProcess, rank: 0, size: 1, maxElementsPerCall: maxElementsPerCall)
    }

    /// The same ranks with a different per-call limit (no MPI call; both share the underlying communicator).
    public func withMaxElementsPerCall(_ limit: Int) -> Communicator {
        Communicator(backend: backend, rank: rank, size: size, maxElementsPerCall: limit, itemWorkers: itemWorkers)
    }

    /// The same ranks with `workers` threads per rank for `orderedSum`/`distributedMap` items (no MPI call; every
    /// rank must pass the same number).
    public func withItemWorkers(_ workers: Int) -> Communicator {
        Communicator(backend: backend, rank: rank, size: size, maxElementsPerCall: maxElementsPerCall, itemWorkers: workers)
    }

    /// Whether collectives go through MPI (false for the single-process world).
    public var usesMPI: Bool {
        if case .mpi = backend { return true }
        return false
    }

    public var description: String {
        "\(usesMPI ? "MPI" : "single-process") communicator, rank \(rank) of \(size)"
    }
}
