import CMPI

// Gatherv: root ends with all ranks' parts, concatenated in rank order.
extension Communicator {
    /// Message tag of the point-to-point fallback of `gatherv`.
    static let gathervTag: Int32 = 0x4C45

    /// Gathers `counts[r]` elements from each rank r into `receive` on `root`, packed in rank order.
    ///
    /// `send` must hold exactly `counts[rank]` elements; on root, `receive` must hold at least
    /// `counts.reduce(0, +)` (elsewhere it is not touched and may be empty). Every rank passes the same `counts`.
    public func gatherv<T: CommunicatorElement>(
        _ send: UnsafeBufferPointer<T>, into receive: UnsafeMutableBufferPointer<T>, counts: [Int], root: Int
    ) throws {
        try checkRoot(root, operation: "gatherv")
        let layout = try VariableCountLayout(counts: counts, size: size, operation: "gatherv")
        try layout.checkSend(count: send.count, rank: rank, operation: "gatherv")
        if rank == root {
            try layout.checkReceive(count: receive.count, operation: "gatherv")
            copyElements(send, into: receive, at: layout.displacements[rank])
        }
        guard case .mpi(let handle) = backend, layout.total > 0 else { return }
        let datatype = T.checkedDatatype.mpiDatatype
        if layout.fitsInOneCall(limit: maxElementsPerCall) {
            let counts = layout.int32Counts
            let displacements = layout.int32Displacements
            if rank == root {
                try MPIRuntime.shared.call("MPI_Gatherv", bytes: layout.total * MemoryLayout<T>.stride) {
                    MPI_Gatherv(
                        lethe_mpi_in_place(), 0, datatype, receive.baseAddress, counts, displacements, datatype,
                        Int32(root), handle.raw)
                }
            } else {
                try MPIRuntime.shared.call("MPI_Gatherv", bytes: send.count * MemoryLayout<T>.stride) {
                    MPI_Gatherv(
                        send.baseAddress, Int32(send.count), datatype, nil, counts, displacements, datatype,
                        Int32(root), handle.raw)
                }
            }
            return
        }
        // Too large for one call: root receives each rank's part in chunks, straight into its place.
        if rank == root {
            guard let base = receive.baseAddress else { return }
            for source in 0..<size where source != root && layout.counts[source] > 0 {
                let start = base + layout.displacements[source]
                try forEachChunk(of: layout.counts[source]) { offset, count in
                    try MPIRuntime.shared.call("MPI_Recv", bytes: Int(count) * MemoryLayout<T>.stride) {
                        MPI_Recv(
                            start + offset, count, datatype, Int32(source), Self.gathervTag, handle.raw,
                            lethe_mpi_status_ignore())
                    }
                }
            }
        } else if let base = send.baseAddress {
            try forEachChunk(of: send.count) { offset, count in
                try MPIRuntime.shared.call("MPI_Send", bytes: Int(count) * MemoryLayout<T>.stride) {
                    MPI_Send(base + offset, count, datatype, Int32(root), Self.gathervTag, handle.raw)
                }
            }
        }
    }

    /// All ranks' `local` arrays concatenated in rank order on `root` (an empty array elsewhere), given every
    /// rank's count.
    public func gatherv<T: CommunicatorElement>(_ local: [T], counts: [Int], root: Int) throws -> [T] {
        try checkRoot(root, operation: "gatherv")
        let layout = try VariableCountLayout(counts: counts, size: size, operation: "gatherv")
        var result = [T].zeroed(count: rank == root ? layout.total : 0)
        try local.withUnsafeBufferPointer { send in
            try result.withUnsafeMutableBufferPointer { receive in
                try gatherv(send, into: receive, counts: counts, root: root)
            }
        }
        return result
    }

    /// All ranks' `local` arrays concatenated in rank order on `root` (an empty array elsewhere); the counts are
    /// exchanged first.
    public func gatherv<T: CommunicatorElement>(_ local: [T], root: Int) throws -> [T] {
        try checkRoot(root, operation: "gatherv")
        return try gatherv(local, counts: allgather(local.count), root: root)
    }
}
