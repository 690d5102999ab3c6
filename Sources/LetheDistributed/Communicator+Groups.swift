import CMPI

// Synchronisation, sub-communicators and fail-stop.
extension Communicator {
    /// Returns once every rank of the communicator has entered the barrier.
    public func barrier() throws {
        guard case .mpi(let handle) = backend else { return }
        try MPIRuntime.shared.call("MPI_Barrier") { MPI_Barrier(handle.raw) }
    }

    /// Splits the ranks into groups of equal `color` (MPI_Comm_split); within a group, ranks are ordered by `key`,
    /// ties by their rank here. Every rank calls this; `color` must be non-negative and both must fit in Int32.
    ///
    /// The new communicator keeps `maxElementsPerCall`; MPI frees it at finalisation.
    public func split(color: Int, key: Int) throws -> Communicator {
        guard color >= 0, color <= Int(Int32.max) else {
            throw CommunicatorError.invalidArgument(
                operation: "split", argument: "color", expected: "a value in 0...\(Int32.max)", found: "\(color)")
        }
        guard key >= Int(Int32.min), key <= Int(Int32.max) else {
            throw CommunicatorError.invalidArgument(
                operation: "split", argument: "key", expected: "a value in \(Int32.min)...\(Int32.max)",
                found: "\(key)")
        }
        guard case .mpi(let handle) = backend else {
            return .singleProcess(maxElementsPerCall: maxElementsPerCall)
        }
        var newCommunicator: MPI_Comm? = nil
        try MPIRuntime.shared.call("MPI_Comm_split") {
            MPI_Comm_split(handle.raw, Int32(color), Int32(key), &newCommunicator)
        }
        return try Communicator(mpi: MPICommHandle(newCommunicator), maxElementsPerCall: maxElementsPerCall)
    }

    /// Ends the whole job with exit status `code` (MPI_Abort), so no rank is left waiting in a collective; in the
    /// single-process world, exits the process with `code`.
    public func abort(code: Int32) -> Never {
        switch backend {
        case .singleProcess:
            MPIRuntime.shared.abort(nil, code: code)
        case .mpi(let handle):
            MPIRuntime.shared.abort(handle.raw, code: code)
        }
    }
}
