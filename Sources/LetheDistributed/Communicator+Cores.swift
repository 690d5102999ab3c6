import Foundation

extension Communicator {
    /// This rank's share of the cores it may run on: the CPUs its affinity mask allows (one when mpirun binds each
    /// rank to a core) divided among the ranks on this node that share them (Open MPI's local size when unbound).
    public static var localCores: Int {
        let allowed = ProcessInfo.processInfo.activeProcessorCount
        let localRanks = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1
        return max(1, allowed >= localRanks * 2 || localRanks == 1 ? allowed / localRanks : 1)
    }

    /// The same ranks using, for their items, the fewest cores any rank has (every rank must agree; collective).
    public func withItemWorkersOnLocalCores() throws -> Communicator {
        withItemWorkers(try allreduce(Self.localCores, op: .min))
    }
}
