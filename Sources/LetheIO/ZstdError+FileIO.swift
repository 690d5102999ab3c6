extension ZstdError {
    /// A failed file access, as this type reports it. `purpose` ("reading", "writing") ends the sentence of a
    /// failed open; a read or write names its descriptor as the path ("file descriptor 5").
    init(_ error: FileIOError, purpose: String) {
        let operation = switch error.operation {
        case .open: "Opening \(error.path) for \(purpose)"
        case .read: "Reading compressed data from \(error.path)"
        case .write: "Writing compressed data to \(error.path)"
        default: "\(error.operation.phrase) \(error.path)"
        }
        self = .io(operation: operation, errno: error.errno, message: error.message)
    }
}
