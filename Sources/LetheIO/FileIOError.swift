#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call on a file. The readers and writers of this module map it into their own error types
/// (`ImageError`, `NumPyError`, `SafeTensorsError`, `ZstdError`); `AtomicFileOutput` throws it as it is.
public enum FileIOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Doing `operation` on `path` failed with the system error number `errno`. For an atomic write, `path` is
    /// the destination, not the temporary file beside it.
    case systemCall(FileOperation, path: String, errno: Int32)

    /// What was being done.
    public var operation: FileOperation {
        switch self { case let .systemCall(operation, _, _): operation }
    }

    /// The file it was done to.
    public var path: String {
        switch self { case let .systemCall(_, path, _): path }
    }

    /// The system error number.
    public var errno: Int32 {
        switch self { case let .systemCall(_, _, code): code }
    }

    /// The system's text for `errno` (`strerror`).
    public var message: String { String(cString: strerror(errno)) }

    public var description: String { "\(operation.phrase) \(path) failed: \(message) (errno \(errno))." }
}

extension FileIOError {
    /// Runs `body`, reporting a `FileIOError` it throws as the caller's own error type.
    static func converting<Result, Converted: Error>(
        _ convert: (FileIOError) -> Converted, _ body: () throws(FileIOError) -> Result
    ) throws(Converted) -> Result {
        do {
            return try body()
        } catch {
            throw convert(error)
        }
    }
}
