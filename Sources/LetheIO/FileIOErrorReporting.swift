/// An error type whose `.io(operation:path:errno:message:)` case reports a `FileIOError` in the shared
/// layer's own words ("Opening <path> failed: …"), as `ImageError` and `NumPyError` do.
protocol FileIOErrorReporting: Error {
    static func io(operation: String, path: String, errno: Int32, message: String) -> Self
}

extension FileIOErrorReporting {
    /// A failed file access, as this type reports it.
    init(_ error: FileIOError) {
        self = .io(operation: error.operation.phrase, path: error.path, errno: error.errno, message: error.message)
    }
}

extension ImageError: FileIOErrorReporting {}
extension NumPyError: FileIOErrorReporting {}
