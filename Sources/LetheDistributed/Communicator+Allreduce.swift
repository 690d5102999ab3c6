import CMPI

// Allreduce: every rank ends with the elementwise reduction of all ranks' buffers.
extension Communicator {
    /// Reduces `buffer` in place across ranks with `op`; every rank passes the same number of elements.
    public func allreduce<T: CommunicatorReducible>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReductionOp) throws {
        guard case .mpi(let handle) = backend, let base = buffer.baseAddress else { return }
        let datatype = T.checkedDatatype.mpiDatatype
        let mpiOp = op.mpiOp
        try forEachChunk(of: buffer.count) { offset, count in
            try MPIRuntime.shared.call("MPI_Allreduce", bytes: Int(count) * MemoryLayout<T>.stride) {
                MPI_Allreduce(lethe_mpi_in_place(), base + offset, count, datatype, mpiOp, handle.raw)
            }
        }
    }

    /// Reduces `values` in place across ranks with `op`.
    public func allreduce<T: CommunicatorReducible>(_ values: inout [T], op: ReductionOp) throws {
        try values.withUnsafeMutableBufferPointer { try allreduce($0, op: op) }
    }

    /// The reduction of `values` across ranks with `op`.
    public func allreduce<T: CommunicatorReducible>(_ values: [T], op: ReductionOp) throws -> [T] {
        var result = values
        try allreduce(&result, op: op)
        return result
    }

    /// The reduction of one value per rank with `op`.
    public func allreduce<T: CommunicatorReducible>(_ value: T, op: ReductionOp) throws -> T {
        var result = [value]
        try allreduce(&result, op: op)
        return result[0]
    }
}
