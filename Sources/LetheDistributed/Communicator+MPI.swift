import CMPI

// Construction from an MPI handle and the mapping of Swift enums to MPI handles.
extension Communicator {
    /// Wraps an MPI communicator, making its errors come back as return codes.
    convenience init(mpi handle: MPICommHandle, maxElementsPerCall: Int) throws {
        var rank: Int32 = 0
        var size: Int32 = 0
        try MPIRuntime.shared.call("MPI_Comm_set_errhandler") {
            MPI_Comm_set_errhandler(handle.raw, lethe_mpi_errors_return())
        }
        try MPIRuntime.shared.call("MPI_Comm_rank") { MPI_Comm_rank(handle.raw, &rank) }
        try MPIRuntime.shared.call("MPI_Comm_size") { MPI_Comm_size(handle.raw, &size) }
        self.init(backend: .mpi(handle), rank: Int(rank), size: Int(size), maxElementsPerCall: maxElementsPerCall)
    }

    /// Calls `body(offset, count)` for consecutive chunks of `total` elements, each at most `maxElementsPerCall`.
    func forEachChunk(of total: Int, _ body: (_ offset: Int, _ count: Int32) throws -> Void) throws {
        var offset = 0
        while offset < total {
            let count = min(maxElementsPerCall, total - offset)
            try body(offset, Int32(count))
            offset += count
        }
    }
}

extension CommunicatorDatatype {
    var mpiDatatype: MPI_Datatype? {
        switch self {
        case .float32: lethe_mpi_float()
        case .float64: lethe_mpi_double()
        case .int32: lethe_mpi_int32()
        case .int64: lethe_mpi_int64()
        case .uint8: lethe_mpi_uint8()
        }
    }
}

extension ReductionOp {
    var mpiOp: MPI_Op? {
        switch self {
        case .sum: lethe_mpi_sum()
        case .max: lethe_mpi_max()
        case .min: lethe_mpi_min()
        }
    }
}

extension CommunicatorElement {
    /// The wire type, after checking that the conformance matches the memory layout (a mismatch would make MPI
    /// read or write past the buffer, so it is a programmer error that stops the program).
    static var checkedDatatype: CommunicatorDatatype {
        precondition(
            MemoryLayout<Self>.stride == communicatorDatatype.byteCount,
            "\(Self.self) is \(MemoryLayout<Self>.stride) bytes but claims the wire type \(communicatorDatatype)")
        return communicatorDatatype
    }
}
