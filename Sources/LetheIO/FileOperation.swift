/// The step of file access that a failed system call was doing, as `FileIOError` reports it.
public enum FileOperation: Sendable, Equatable {
    /// Opening an existing file (or creating one that is not a temporary file).
    case open
    /// Reading a file's size and type (`fstat`).
    case status
    /// Reading a file's bytes.
    case read
    /// Writing bytes to a file or descriptor.
    case write
    /// Mapping a file into memory.
    case map
    /// Creating the temporary file an atomic write goes through.
    case createTemporary
    /// Writing to that temporary file.
    case writeTemporary
    /// Flushing that temporary file to disk (`fsync`).
    case syncTemporary
    /// Closing that temporary file.
    case closeTemporary
    /// Renaming that temporary file over the destination.
    case renameTemporary

    /// The start of a sentence that names the path next: "Opening", "Renaming a temporary file to", ….
    public var phrase: String {
        switch self {
        case .open: "Opening"
        case .status: "Reading the size of"
        case .read: "Reading"
        case .write: "Writing"
        case .map: "Mapping"
        case .createTemporary: "Creating a temporary file to write"
        case .writeTemporary: "Writing the temporary file for"
        case .syncTemporary: "Flushing the temporary file for"
        case .closeTemporary: "Closing the temporary file for"
        case .renameTemporary: "Renaming a temporary file to"
        }
    }
}
