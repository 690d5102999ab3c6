#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written atomically: bytes go to a temporary file beside the destination, which is synced and renamed
/// into place by `commit()`. Until then the destination is untouched; `discard()` (or a failed commit) removes
/// the temporary file, so a failure never leaves a half-written destination behind. Readers that mapped the old
/// file keep seeing it, since the rename replaces the directory entry, not the old file's pages.
final class SafeTensorsAtomicOutput {
    let destination: String
    private let temporary: String
    private var descriptor: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private var finished = false
    private static let bufferSize = 1 << 20

    init(destination: String) throws(SafeTensorsError) {
        self.destination = destination
        let slash = destination.lastIndex(of: "/")
        let directory = slash.map { String(destination[...$0]) } ?? ""
        let fileName = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        var attempt = 0
        while true {
            let candidate = "\(directory).\(fileName).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let opened = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if opened >= 0 {
                temporary = candidate
                descriptor = opened
                break
            }
            attempt += 1
            guard errno == EEXIST, attempt < 100 else {
                throw MappedFile.systemError(path: destination, operation: "create a temporary file for")
            }
        }
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        discard()
        buffer.deallocate()
    }

    /// Appends bytes, batching small pieces into one write.
    func append(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) {
        guard let start = bytes.baseAddress, bytes.count > 0 else { return }
        if buffered + bytes.count > buffer.count { try flush() }
        if bytes.count >= buffer.count {
            try writeFully(start, count: bytes.count)
            return
        }
        (buffer.baseAddress! + buffered).copyMemory(from: start, byteCount: bytes.count)
        buffered += bytes.count
    }

    func append(_ bytes: [UInt8]) throws(SafeTensorsError) {
        var failure: SafeTensorsError?
        bytes.withUnsafeBytes { raw in
            do throws(SafeTensorsError) { try append(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Syncs the temporary file to disk and renames it to the destination.
    func commit() throws(SafeTensorsError) {
        do throws(SafeTensorsError) {
            try flush()
            guard fsync(descriptor) == 0 else { throw MappedFile.systemError(path: destination, operation: "sync") }
            let closed = close(descriptor)
            descriptor = -1
            guard closed == 0 else { throw MappedFile.systemError(path: destination, operation: "close") }
            guard rename(temporary, destination) == 0 else {
                throw MappedFile.systemError(path: destination, operation: "rename a temporary file to")
            }
        } catch {
            discard()
            throw error
        }
        finished = true
        syncDirectory()
    }

    /// Abandons the output and removes the temporary file (nothing happens after a successful commit).
    func discard() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporary)
    }

    private func flush() throws(SafeTensorsError) {
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        try writeFully(UnsafeRawPointer(buffer.baseAddress!), count: count)
    }

    private func writeFully(_ start: UnsafeRawPointer, count: Int) throws(SafeTensorsError) {
        var written = 0
        while written < count {
            let result = write(descriptor, start + written, min(count - written, 1 << 30))
            if result < 0 {
                if errno == EINTR { continue }
                throw MappedFile.systemError(path: destination, operation: "write")
            }
            written += result
        }
    }

    /// Makes the rename durable; a failure here does not undo the write, so it is ignored.
    private func syncDirectory() {
        let slash = destination.lastIndex(of: "/")
        let directory = slash.map { $0 == destination.startIndex ? "/" : String(destination[..<$0]) } ?? "."
        let handle = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if handle >= 0 {
            fsync(handle)
            close(handle)
        }
    }
}
