#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking POSIX reads and writes for the zstd streams, retried on EINTR and short transfers.
enum ZstdFileDescriptorIO {
    /// Writes all of `bytes` to `fileDescriptor`.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to fileDescriptor: Int32) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = write(fileDescriptor, base + offset, bytes.count - offset)
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                throw ioError("Writing compressed data to file descriptor \(fileDescriptor)", code)
            }
            offset += written
        }
    }

    /// Reads up to `buffer.count` bytes from `fileDescriptor`, returning fewer only at end of file.
    static func read(into buffer: UnsafeMutableRawBufferPointer, from fileDescriptor: Int32) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var offset = 0
        while offset < buffer.count {
            let count = systemRead(fileDescriptor, base + offset, buffer.count - offset)
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw ioError("Reading compressed data from file descriptor \(fileDescriptor)", code)
            }
            if count == 0 { break }
            offset += count
        }
        return offset
    }

    /// Opens `path` with POSIX `flags`, returning the new descriptor.
    static func open(_ path: String, flags: Int32, purpose: String) throws -> Int32 {
        while true {
            let fileDescriptor = systemOpen(path, flags, 0o644)
            if fileDescriptor >= 0 { return fileDescriptor }
            let code = errno
            if code != EINTR { throw ioError("Opening \(path) for \(purpose)", code) }
        }
    }

    private static func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.open(path, flags, mode)
        #else
        Darwin.open(path, flags, mode)
        #endif
    }

    private static func systemRead(_ fileDescriptor: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fileDescriptor, base, count)
        #else
        Darwin.read(fileDescriptor, base, count)
        #endif
    }

    private static func ioError(_ operation: String, _ code: Int32) -> ZstdError {
        .io(operation: operation, errno: code, message: String(cString: strerror(code)))
    }
}
