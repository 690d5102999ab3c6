extension SafeTensorsError {
    /// A failed file access, as this type reports it: `operation` names the system call ("open", "mmap", …).
    init(_ error: FileIOError) {
        self = .io(path: error.path, operation: Self.systemCallName(error.operation), reason: error.message)
    }

    private static func systemCallName(_ operation: FileOperation) -> String {
        switch operation {
        case .open: "open"
        case .status: "stat"
        case .read: "read"
        case .write, .writeTemporary: "write"
        case .map: "mmap"
        case .createTemporary: "create a temporary file for"
        case .syncTemporary: "sync"
        case .closeTemporary: "close"
        case .renameTemporary: "rename a temporary file to"
        }
    }
}
