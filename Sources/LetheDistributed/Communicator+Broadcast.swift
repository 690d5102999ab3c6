import CMPI

// Broadcast: every rank ends with root's buffer.
extension Communicator {
    /// Overwrites `buffer` on every rank with root's; every rank passes the same number of elements.
    public func broadcast<T: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws {
        try broadcastRaw(
            UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, datatype: T.checkedDatatype,
            root: root)
    }

    /// Overwrites `bytes` on every rank with root's; every rank passes the same number of bytes.
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        try broadcastRaw(bytes.baseAddress, count: bytes.count, datatype: .uint8, root: root)
    }

    /// Overwrites `values` on every rank with root's; every rank passes the same number of elements.
    public func broadcast<T: CommunicatorElement>(_ values: inout [T], root: Int) throws {
        try values.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
    }

    /// Root's `value`, on every rank.
    public func broadcast<T: CommunicatorElement>(_ value: T, root: Int) throws -> T {
        var result = [value]
        try broadcast(&result, root: root)
        return result[0]
    }

    /// Root's `bytes`, on every rank; only root's argument is read, so the length need not be known elsewhere.
    public func broadcast(bytes: [UInt8], root: Int) throws -> [UInt8] {
        try checkRoot(root, operation: "broadcast")
        let length = try broadcast(Int64(bytes.count), root: root)
        guard length >= 0, length <= Int64(Int.max) else {
            throw CommunicatorError.invalidArgument(
                operation: "broadcast", argument: "the length sent by root", expected: "a byte count",
                found: "\(length)")
        }
        var payload = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length))
        try broadcast(&payload, root: root)
        return payload
    }

    /// Root's `string`, on every rank; only root's argument is read.
    public func broadcast(string: String, root: Int) throws -> String {
        let payload = try broadcast(bytes: rank == root ? Array(string.utf8) : [], root: root)
        return rank == root ? string : String(decoding: payload, as: UTF8.self)
    }

    func checkRoot(_ root: Int, operation: String) throws {
        guard root >= 0, root < size else {
            throw CommunicatorError.invalidRoot(operation: operation, root: root, size: size)
        }
    }

    /// Broadcasts `count` elements of `datatype` at `base` in chunks of at most `maxElementsPerCall`.
    private func broadcastRaw(
        _ base: UnsafeMutableRawPointer?, count: Int, datatype: CommunicatorDatatype, root: Int
    ) throws {
        try checkRoot(root, operation: "broadcast")
        guard case .mpi(let handle) = backend, let base else { return }
        let mpiDatatype = datatype.mpiDatatype
        let stride = datatype.byteCount
        try forEachChunk(of: count) { offset, chunk in
            try MPIRuntime.shared.call("MPI_Bcast", bytes: Int(chunk) * stride) {
                MPI_Bcast(base + offset * stride, chunk, mpiDatatype, Int32(root), handle.raw)
            }
        }
    }
}
