#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file operation, mapped by callers into their own error type (`ImageError`, `NumPyError`).
struct ImageFileIOFailure: Error {
    let operation: String
    let path: String
    let errno: Int32

    var message: String { String(cString: strerror(errno)) }
}

/// Whole-file reads and atomic whole-file writes with POSIX calls, retried on EINTR and short transfers.
/// Shared by the image and .npy readers and writers.
enum ImageFileIO {
    /// The bytes of the file at `path`.
    static func readAll(_ path: String) throws(ImageFileIOFailure) -> [UInt8] {
        let fileDescriptor = try open(path, flags: O_RDONLY | O_CLOEXEC, operation: "Opening")
        defer { _ = close(fileDescriptor) }
        var status = stat()
        if fstat(fileDescriptor, &status) != 0 {
            throw ImageFileIOFailure(operation: "Reading the size of", path: path, errno: errno)
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw ImageFileIOFailure(operation: "Reading", path: path, errno: EISDIR)
        }
        var bytes = [UInt8](repeating: 0, count: max(Int(status.st_size), 0))
        let filled = try bytes.withUnsafeMutableBytes { readFully($0, from: fileDescriptor, path: path) }.get()
        if filled < bytes.count {
            bytes.removeSubrange(filled...)
            return bytes
        }
        // The file may have grown since fstat, or report no size (a pipe): read on until end of file.
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try chunk.withUnsafeMutableBytes { readFully($0, from: fileDescriptor, path: path) }.get()
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count { return bytes }
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the number of bytes read.
    private static func readFully(
        _ buffer: UnsafeMutableRawBufferPointer, from fileDescriptor: Int32, path: String
    ) -> Result<Int, ImageFileIOFailure> {
        guard let base = buffer.baseAddress else { return .success(0) }
        var filled = 0
        while filled < buffer.count {
            let count = systemRead(fileDescriptor, base + filled, buffer.count - filled)
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                return .failure(ImageFileIOFailure(operation: "Reading", path: path, errno: code))
            }
            if count == 0 { break }
            filled += count
        }
        return .success(filled)
    }

    /// Writes a file atomically: `body` writes into a temporary file in the same directory, which is flushed to
    /// disk and then renamed over `path`. Readers see the old file or the complete new one, never a partial
    /// one; on any failure the temporary file is removed and `path` is untouched.
    static func writeAtomically(
        _ path: String, _ body: (_ write: (UnsafeRawBufferPointer) throws(ImageFileIOFailure) -> Void) throws -> Void
    ) throws {
        let temporaryPath = temporaryPath(for: path)
        let fileDescriptor = try open(
            temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
            operation: "Creating a temporary file to write", reportedPath: path)
        var succeeded = false
        defer {
            if !succeeded { _ = unlink(temporaryPath) }
        }
        do {
            try body { (bytes: UnsafeRawBufferPointer) throws(ImageFileIOFailure) in
                try writeAll(bytes, to: fileDescriptor, path: path)
            }
            if fsync(fileDescriptor) != 0 {
                throw ImageFileIOFailure(operation: "Flushing the temporary file for", path: path, errno: errno)
            }
        } catch {
            _ = close(fileDescriptor)
            throw error
        }
        if close(fileDescriptor) != 0 {
            throw ImageFileIOFailure(operation: "Closing the temporary file for", path: path, errno: errno)
        }
        if rename(temporaryPath, path) != 0 {
            throw ImageFileIOFailure(operation: "Renaming a temporary file to", path: path, errno: errno)
        }
        succeeded = true
    }

    /// A hidden name next to `path` that no other writer uses.
    private static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(directory).\(name).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
    }

    private static func writeAll(
        _ bytes: UnsafeRawBufferPointer, to fileDescriptor: Int32, path: String
    ) throws(ImageFileIOFailure) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = write(fileDescriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ImageFileIOFailure(operation: "Writing the temporary file for", path: path, errno: errno)
            }
            offset += written
        }
    }

    private static func open(
        _ path: String, flags: Int32, operation: String, reportedPath: String? = nil
    ) throws(ImageFileIOFailure) -> Int32 {
        while true {
            #if canImport(Glibc)
            let fileDescriptor = Glibc.open(path, flags, 0o644)
            #else
            let fileDescriptor = Darwin.open(path, flags, 0o644)
            #endif
            if fileDescriptor >= 0 { return fileDescriptor }
            let code = errno
            if code != EINTR { throw ImageFileIOFailure(operation: operation, path: reportedPath ?? path, errno: code) }
        }
    }

    private static func systemRead(_ fileDescriptor: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fileDescriptor, base, count)
        #else
        Darwin.read(fileDescriptor, base, count)
        #endif
    }
}
