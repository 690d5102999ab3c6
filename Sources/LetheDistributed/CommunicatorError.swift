/// A failed communicator operation: an MPI error code, or arguments that do not fit the communicator.
///
/// Argument errors are detected locally before any MPI call, so when every rank passes the same (bad) arguments,
/// every rank throws and none is left waiting in a collective.
public enum CommunicatorError: Error, Equatable, CustomStringConvertible {
    /// An MPI call returned `code`; `message` is MPI_Error_string's text for it.
    case mpi(operation: String, code: Int32, message: String)
    /// A per-rank array (`counts`) does not have one entry per rank.
    case countsLength(operation: String, expected: Int, found: Int)
    /// A per-rank count is negative.
    case negativeCount(operation: String, rank: Int, count: Int)
    /// The counts add up to more than `Int.max` elements.
    case countsOverflow(operation: String)
    /// This rank's send buffer does not hold exactly `counts[rank]` elements.
    case sendCountMismatch(operation: String, rank: Int, expected: Int, found: Int)
    /// A buffer is shorter than the operation needs.
    case bufferTooSmall(operation: String, buffer: String, needed: Int, available: Int)
    /// `root` is not a rank of the communicator.
    case invalidRoot(operation: String, root: Int, size: Int)
    /// An argument is outside the range MPI accepts.
    case invalidArgument(operation: String, argument: String, expected: String, found: String)
    /// MPI was already finalised (or could not be started), so no MPI call can be made.
    case mpiNotRunning(operation: String)

    public var description: String {
        switch self {
        case let .mpi(operation, code, message):
            "\(operation) failed with MPI error code \(code): \(message)."
        case let .countsLength(operation, expected, found):
            "\(operation): counts has \(found) entries but the communicator has \(expected) ranks; pass one count per rank."
        case let .negativeCount(operation, rank, count):
            "\(operation): counts[\(rank)] is \(count); element counts must be zero or positive."
        case let .countsOverflow(operation):
            "\(operation): the counts add up to more elements than a buffer can address."
        case let .sendCountMismatch(operation, rank, expected, found):
            "\(operation): rank \(rank) sends \(found) elements but counts[\(rank)] is \(expected); they must match."
        case let .bufferTooSmall(operation, buffer, needed, available):
            "\(operation): the \(buffer) buffer holds \(available) elements but \(needed) are needed."
        case let .invalidRoot(operation, root, size):
            "\(operation): root \(root) is not a rank of this communicator (expected 0..<\(size))."
        case let .invalidArgument(operation, argument, expected, found):
            "\(operation): \(argument) is \(found); expected \(expected)."
        case let .mpiNotRunning(operation):
            "\(operation): MPI is not running (it was finalised or never started), so no MPI call can be made."
        }
    }
}
