import CMPI

// Allgather(v): every rank ends with all ranks' parts, concatenated in rank order.
extension Communicator {
    /// Gathers `counts[r]` elements from each rank r into `receive` on every rank, packed in rank order.
    ///
    /// `send` must hold exactly `counts[rank]` elements and `receive` at least `counts.reduce(0, +)`; every rank
    /// passes the same `counts`. Elements of `receive` past the total are left as they were.
    public func allgatherv<T: CommunicatorElement>(
        _ send: UnsafeBufferPointer<T>, into receive: UnsafeMutableBufferPointer<T>, counts: [Int]
    ) throws {
        let layout = try VariableCountLayout(counts: counts, size: size, operation: "allgatherv")
        try layout.checkSend(count: send.count, rank: rank, operation: "allgatherv")
        try layout.checkReceive(count: receive.count, operation: "allgatherv")
        copyElements(send, into: receive, at: layout.displacements[rank])
        try allgathervInPlace(receive, layout: layout)
    }

    /// Like `allgatherv(_:into:counts:)` where each rank's part already sits at its place in `buffer`
    /// (rank r's `counts[r]` elements start at `counts[0..<r].reduce(0, +)`).
    public func allgathervInPlace<T: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<T>, counts: [Int])
        throws
    {
        let layout = try VariableCountLayout(counts: counts, size: size, operation: "allgatherv")
        try layout.checkReceive(count: buffer.count, operation: "allgatherv")
        try allgathervInPlace(buffer, layout: layout)
    }

    /// All ranks' `local` arrays concatenated in rank order, given every rank's count.
    public func allgatherv<T: CommunicatorElement>(_ local: [T], counts: [Int]) throws -> [T] {
        let layout = try VariableCountLayout(counts: counts, size: size, operation: "allgatherv")
        try layout.checkSend(count: local.count, rank: rank, operation: "allgatherv")
        var result = [T].zeroed(count: layout.total)
        try result.withUnsafeMutableBufferPointer { receive in
            local.withUnsafeBufferPointer { copyElements($0, into: receive, at: layout.displacements[rank]) }
            try allgathervInPlace(receive, layout: layout)
        }
        return result
    }

    /// All ranks' `local` arrays concatenated in rank order; the counts are exchanged first.
    public func allgatherv<T: CommunicatorElement>(_ local: [T]) throws -> [T] {
        try allgatherv(local, counts: allgather(local.count))
    }

    /// One value from each rank, in rank order.
    public func allgather<T: CommunicatorElement>(_ value: T) throws -> [T] {
        try allgatherv([value], counts: [Int](repeating: 1, count: size))
    }

    private func allgathervInPlace<T: CommunicatorElement>(
        _ buffer: UnsafeMutableBufferPointer<T>, layout: VariableCountLayout
    ) throws {
        guard case .mpi(let handle) = backend, layout.total > 0, let base = buffer.baseAddress else { return }
        let datatype = T.checkedDatatype.mpiDatatype
        if layout.fitsInOneCall(limit: maxElementsPerCall) {
            let counts = layout.int32Counts
            let displacements = layout.int32Displacements
            try MPIRuntime.shared.call("MPI_Allgatherv", bytes: layout.total * MemoryLayout<T>.stride) {
                MPI_Allgatherv(
                    lethe_mpi_in_place(), 0, datatype, base, counts, displacements, datatype, handle.raw)
            }
            return
        }
        // Too large for one call (counts or displacements past the limit): each rank in turn broadcasts its part
        // in chunks, straight into its place, so no count or offset handed to MPI exceeds the limit.
        for source in 0..<size where layout.counts[source] > 0 {
            let start = base + layout.displacements[source]
            try forEachChunk(of: layout.counts[source]) { offset, count in
                try MPIRuntime.shared.call("MPI_Bcast", bytes: Int(count) * MemoryLayout<T>.stride) {
                    MPI_Bcast(start + offset, count, datatype, Int32(source), handle.raw)
                }
            }
        }
    }
}
