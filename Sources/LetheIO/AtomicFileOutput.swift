#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written atomically and streamed: appended bytes go to a hidden temporary file beside the destination,
/// which `commit()` flushes to disk and renames over the destination, then flushes the folder so the rename
/// survives a crash. Until the rename the destination is untouched, and readers see either the old file or the
/// complete new one; a reader holding the old file open (or mapped) keeps seeing the old bytes afterwards.
///
/// Any failure, `discard()`, or releasing the output before `commit()` removes the temporary file. Appends are
/// batched through a small buffer and large ones are written straight through, so a file of many gigabytes is
/// never held in memory by this class. Not thread-safe: use it from one task.
public final class AtomicFileOutput {
    private enum State { case open, committed, discarded }

    /// The path the file appears at once committed.
    public let destination: String
    private let temporaryPath: String
    private var descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private var state = State.open
    /// Removes the temporary file if a stop signal ends the process first.
    private var cleanupToken: Int?

    /// Creates the temporary file for `destination`, in the same folder (a rename cannot cross file systems).
    ///
    /// - Parameter bufferSize: appends smaller than this are gathered into one write.
    public init(destination: String, bufferSize: Int = 1 << 20) throws(FileIOError) {
        precondition(bufferSize > 0, "the buffer size must be positive")
        self.destination = destination
        (temporaryPath, descriptor) = try Self.createTemporaryFile(for: destination)
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
        cleanupToken = SignalCleanup.register(temporaryPath)
    }

    deinit {
        discard()
        buffer.deallocate()
    }

    /// Writes `bytes` and `commit()`s them to `destination` in one step.
    public static func write(_ bytes: [UInt8], to destination: String) throws(FileIOError) {
        let output = try AtomicFileOutput(destination: destination)
        try output.append(bytes)
        try output.commit()
    }

    /// Appends `bytes` to the file. A failure discards the output.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        precondition(state == .open, "append to an AtomicFileOutput that was already committed or discarded")
        guard let start = bytes.baseAddress, bytes.count > 0 else { return }
        do throws(FileIOError) {
            if buffered + bytes.count > buffer.count { try flush() }
            if bytes.count >= buffer.count {
                try writeToTemporary(bytes)
                return
            }
        } catch {
            discard()
            throw error
        }
        (buffer.baseAddress! + buffered).copyMemory(from: start, byteCount: bytes.count)
        buffered += bytes.count
    }

    /// Appends `bytes` to the file. A failure discards the output.
    public func append(_ bytes: [UInt8]) throws(FileIOError) {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(FileIOError) in try append(raw) }
        }.get()
    }

    /// Flushes the temporary file to disk and renames it to `destination`. A failure discards the output and
    /// leaves `destination` as it was.
    public func commit() throws(FileIOError) {
        precondition(state == .open, "commit of an AtomicFileOutput that was already committed or discarded")
        do throws(FileIOError) {
            try flush()
            guard fsync(descriptor) == 0 else { throw .systemCall(.syncTemporary, path: destination, errno: errno) }
            let closed = close(descriptor)
            descriptor = -1
            guard closed == 0 else { throw .systemCall(.closeTemporary, path: destination, errno: errno) }
            guard rename(temporaryPath, destination) == 0 else {
                throw .systemCall(.renameTemporary, path: destination, errno: errno)
            }
        } catch {
            discard()
            throw error
        }
        state = .committed
        cleanupToken.map(SignalCleanup.unregister)
        syncFolder()
    }

    /// Abandons the output and removes the temporary file; does nothing once committed or discarded.
    public func discard() {
        guard state == .open else { return }
        state = .discarded
        cleanupToken.map(SignalCleanup.unregister)
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
        }
        _ = unlink(temporaryPath)
    }

    private func flush() throws(FileIOError) {
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        try writeToTemporary(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count))
    }

    private func writeToTemporary(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        do {
            try POSIXFile.writeFully(bytes, to: descriptor, path: destination)
        } catch {
            throw .systemCall(.writeTemporary, path: destination, errno: error.errno)
        }
    }

    /// Makes the rename durable; the new file is complete either way, so a failure here is ignored.
    private func syncFolder() {
        Self.syncFolder(Self.folder(of: destination))
    }

    /// Flushes a folder's entries to disk, so that a rename into it survives a crash (best effort: a failure is
    /// ignored, the renamed entry is complete either way).
    public static func syncFolder(_ path: String) {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC
        guard let folder = try? POSIXFile.openDescriptor(path, flags: flags) else { return }
        _ = fsync(folder)
        _ = close(folder)
    }

    /// A new hidden file `.<name>.tmp-<pid>-<random>` beside `destination`, opened for writing.
    private static func createTemporaryFile(for destination: String) throws(FileIOError) -> (String, Int32) {
        let slash = destination.lastIndex(of: "/")
        let folderPrefix = slash.map { String(destination[...$0]) } ?? ""
        let name = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
        var attempts = 0
        while true {
            let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            let candidate = "\(folderPrefix).\(name).tmp-\(getpid())-\(random)"
            do {
                return (candidate, try POSIXFile.openDescriptor(candidate, flags: flags))
            } catch {
                attempts += 1
                guard error.errno == EEXIST, attempts < 100 else {
                    throw .systemCall(.createTemporary, path: destination, errno: error.errno)
                }
            }
        }
    }

    /// The folder holding `path`: "/" for a file at the root, "." for a bare name.
    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
