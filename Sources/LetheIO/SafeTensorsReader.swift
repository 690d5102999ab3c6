import LetheTensor

/// Read access to named tensors, shared by a single file and by a set of files (shards or a folder), so callers
/// such as `lethe inspect` handle both the same way.
public protocol SafeTensorsReader: Sendable {
    /// The path the reader was opened from (a file, an index or a folder), as messages give it.
    var location: String { get }

    /// Every tensor name, sorted by UTF-8 bytes (the order Python's `safe_open(...).keys()` gives).
    var tensorNames: [String] { get }

    /// The header entry of a tensor, or nil if there is none of that name.
    func info(named name: String) -> SafeTensorInfo?

    /// A tensor converted to float32 (from F32, F16, BF16 or F64).
    func tensor(named name: String) throws(SafeTensorsError) -> Tensor

    /// The tensor converted to float32 straight into `destination`, which holds exactly its `count` elements: a
    /// weight loader fills its arena without a temporary tensor per weight.
    func decodeFloat32(named name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(SafeTensorsError)

    /// The elements of an integer or boolean tensor, widened to Int64.
    func int64Values(named name: String) throws(SafeTensorsError) -> [Int64]

    /// Calls `body` with the tensor's stored bytes, without copying; the pointer is valid only inside `body`.
    func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R

    /// Drops this process's resident pages of the mapped files (see `MappedFile.releaseResidentPages`), for a
    /// loader that has copied out everything it needs; reading goes on working. Readers without files do nothing.
    func releaseResidentPages()
}

extension SafeTensorsReader {
    public func releaseResidentPages() {}

    /// Through `tensor(named:)`, for readers without a direct path.
    public func decodeFloat32(named name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(SafeTensorsError) {
        let tensor = try tensor(named: name)
        precondition(tensor.count == count, "'\(name)' has \(tensor.count) elements, the destination \(count)")
        Tensor(storage: TensorStorage(borrowing: destination, count: count, owner: tensor.storage), shape: tensor.shape).assign(tensor)
    }

    /// A copy of the tensor's stored bytes (little-endian, row-major).
    public func rawBytes(named name: String) throws(SafeTensorsError) -> [UInt8] {
        do {
            return try withRawBytes(named: name) { Array($0) }
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            preconditionFailure("copying bytes cannot throw anything else: \(error)")
        }
    }

    /// Every tensor's header entry, in `tensorNames` order.
    public var infos: [SafeTensorInfo] { tensorNames.compactMap { info(named: $0) } }
}
