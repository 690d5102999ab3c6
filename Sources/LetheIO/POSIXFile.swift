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

    /// Opens an input file for reading, refusing anything but a regular file. The open itself never blocks: a FIFO
    /// without a writer would block a plain `open` forever, so the file is opened non-blocking, checked with `fstat`,
    /// and only a regular file is handed on (in blocking mode).
    static func openForReading(_ path: String) throws(FileIOError) -> (descriptor: Int32, status: stat) {
        let descriptor = try openDescriptor(path, flags: O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        do throws(FileIOError) {
            let info = try status(of: descriptor, path: path)
            if let kind = nonRegularKind(info.st_mode) { throw .notRegularFile(path: path, kind: kind) }
            let flags = fcntl(descriptor, F_GETFL)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
            return (descriptor, info)
        } catch {
            _ = close(descriptor)
            throw error
        }
    }

    /// What a file of `mode` is when it is not a regular file ("a named pipe (FIFO)", …), nil for a regular file.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a folder"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a file"
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

    /// The bytes of the regular file at `path`, refusing files of more than `limit` bytes before reading them.
    static func readAll(_ path: String, limit: Int = .max) throws(FileIOError) -> [UInt8] {
        let (descriptor, info) = try openForReading(path)
        defer { _ = close(descriptor) }
        let size = max(Int(info.st_size), 0)
        if size > limit { throw .tooLarge(path: path, size: size, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: size)
        let filled = try readFully(into: &bytes, from: descriptor, path: path)
        if filled < bytes.count {
            bytes.removeSubrange(filled...)
            return bytes
        }
        // The file may have grown since fstat: read on until end of file, within the limit.
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try readFully(into: &chunk, from: descriptor, path: path)
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { throw .tooLarge(path: path, size: bytes.count, limit: limit) }
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
