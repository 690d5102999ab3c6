#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking POSIX file calls shared by every reader and writer of this module: retried when a signal
/// interrupts them (EINTR), looped over short reads and writes, and failing with a `FileIOError` that names
/// the path and keeps `errno`.
enum POSIXFile {
    /// The most bytes handed to one `write` call (some systems reject counts above `Int32.max`).
    private static let largestWrite = 1 << 30

    /// Opens `path` with POSIX `flags` (and `mode` when creating), returning the new descriptor.
    static func openDescriptor(_ path: String, flags: Int32, mode: mode_t = 0o666) throws(FileIOError) -> Int32 {
        while true {
            let descriptor = open(path, flags, mode)
            if descriptor >= 0 { return descriptor }
            let code = errno
            if code != EINTR { throw .systemCall(.open, path: path, errno: code) }
        }
    }

    /// The `fstat` record of an open file.
    static func status(of descriptor: Int32, path: String) throws(FileIOError) -> stat {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .systemCall(.status, path: path, errno: errno) }
        return status
    }

    /// Reads until `buffer` is full or the file ends; returns the number of bytes read.
    static func readFully(
        into buffer: UnsafeMutableRawBufferPointer, from descriptor: Int32, path: String
    ) throws(FileIOError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var filled = 0
        while filled < buffer.count {
            let count = read(descriptor, base + filled, buffer.count - filled)
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .systemCall(.read, path: path, errno: code)
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// Writes all of `bytes`.
    static func writeFully(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws(FileIOError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, min(bytes.count - offset, largestWrite))
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .systemCall(.write, path: path, errno: code)
            }
            offset += written
        }
    }

    /// The bytes of the file at `path`.
    static func readAll(_ path: String) throws(FileIOError) -> [UInt8] {
        let descriptor = try openDescriptor(path, flags: O_RDONLY | O_CLOEXEC)
        defer { _ = close(descriptor) }
        let info = try status(of: descriptor, path: path)
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .systemCall(.read, path: path, errno: EISDIR) }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0))
        let filled = try readFully(into: &bytes, from: descriptor, path: path)
        if filled < bytes.count {
            bytes.removeSubrange(filled...)
            return bytes
        }
        // The file may have grown since fstat, or report no size (a pipe): read on until end of file.
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try readFully(into: &chunk, from: descriptor, path: path)
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count { return bytes }
        }
    }

    /// `readFully(into:from:path:)` on an array's storage.
    private static func readFully(
        into bytes: inout [UInt8], from descriptor: Int32, path: String
    ) throws(FileIOError) -> Int {
        try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(FileIOError) -> Int in try readFully(into: buffer, from: descriptor, path: path) }
        }.get()
    }
}
