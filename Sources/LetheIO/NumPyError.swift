/// Failures reading or writing NumPy `.npy` files. Each description names the file (or data) and what was
/// expected versus found.
public enum NumPyError: Error, CustomStringConvertible, Equatable {
    /// Opening, reading, writing or renaming `path` failed with `errno`.
    case io(operation: String, path: String, errno: Int32, message: String)
    /// The data does not start with the `.npy` magic string, or its header is malformed.
    case invalidHeader(source: String, detail: String)
    /// The header is valid but describes an array this reader does not load (dtype, byte order, Fortran order).
    case unsupported(source: String, detail: String)
    /// The data section is shorter or longer than the header's shape and dtype require.
    case sizeMismatch(source: String, expectedBytes: Int, foundBytes: Int)

    public var description: String {
        switch self {
        case let .io(operation, path, code, message):
            return "\(operation) \(path) failed: \(message) (errno \(code))."
        case let .invalidHeader(source, detail):
            return "\(source) is not a valid .npy file: \(detail)."
        case let .unsupported(source, detail):
            return "\(source) holds an array Lethe cannot load: \(detail)."
        case let .sizeMismatch(source, expected, found):
            return "\(source) has \(found) bytes of array data, but its header describes \(expected) bytes."
        }
    }
}
