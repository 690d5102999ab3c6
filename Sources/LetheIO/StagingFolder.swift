import Foundation

/// A folder output assembled under a hidden name beside its destination, `.NAME.partial-HOST-PID`, and renamed
/// into place when complete: a failed, killed or interrupted job never leaves a half-written folder under the
/// final name. SIGINT/SIGTERM remove the staging folder; one left by a process that died harder (SIGKILL, a lost
/// node) is removed by the next run for the same destination, once its process is gone.
public final class StagingFolder {
    public let destination: String
    public let path: String
    private var cleanupToken: Int?

    /// Creates the staging folder for `destination` (a resolved path, see `OutputGuard`), with its parents.
    public init(destination: String) throws(OutputError) {
        self.destination = destination
        let parent = ResolvedPath.parent(of: destination)
        let name = String(destination[destination.index(after: destination.lastIndex(of: "/")!)...])
        path = "\(parent == "/" ? "" : parent)/.\(name).partial-\(Self.host)-\(getpid())"
        Self.removeStale(in: parent, name: name)
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: path)
        do {
            try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .notWritable(path: destination, reason: FileSystemErrorText.reason(error))
        }
        cleanupToken = SignalCleanup.register(path)
    }

    deinit { discard() }

    /// Runs `body` on the staging folder; if it fails, the staging folder is removed and the failure is reported
    /// as the destination not being writable, in the system's words (an `OutputError` passes through as it is).
    public func fill(_ body: (URL) throws -> Void) throws(OutputError) {
        do {
            try body(URL(fileURLWithPath: path))
        } catch {
            discard()
            if let error = error as? OutputError { throw error }
            throw .notWritable(path: destination, reason: FileSystemErrorText.reason(error))
        }
    }

    /// Moves the staging folder to the destination. With `replacing`, an existing destination is moved aside first
    /// and removed after the rename, so the destination is the old or the new folder at every moment.
    public func commit(replacing: Bool) throws(OutputError) {
        let fileManager = FileManager.default
        do {
            var status = stat()
            if lstat(destination, &status) == 0 {
                guard replacing else { throw OutputError.exists(path: destination, canOverwrite: false) }
                let old = path.replacingOccurrences(of: ".partial-", with: ".old-")
                try fileManager.moveItem(atPath: destination, toPath: old)
                try fileManager.moveItem(atPath: path, toPath: destination)
                try? fileManager.removeItem(atPath: old)
            } else {
                try fileManager.moveItem(atPath: path, toPath: destination)
            }
        } catch let error as OutputError {
            discard()
            throw error
        } catch {
            discard()
            throw .notWritable(path: destination, reason: FileSystemErrorText.reason(error))
        }
        if let cleanupToken { SignalCleanup.unregister(cleanupToken) }
        cleanupToken = nil
    }

    /// Removes the staging folder (nothing once committed).
    public func discard() {
        guard let cleanupToken else { return }
        SignalCleanup.unregister(cleanupToken)
        self.cleanupToken = nil
        try? FileManager.default.removeItem(atPath: path)
    }

    /// This machine's name, so a job on another node sharing the file system never takes a running job's staging
    /// folder for a stale one.
    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "host" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "/", with: "_")
        return name.isEmpty ? "host" : name
    }()

    /// Removes `.NAME.partial-HOST-PID` and `.NAME.old-HOST-PID` folders of this host whose process is gone.
    static func removeStale(in parent: String, name: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for entry in entries {
            for stage in ["partial", "old"] {
                let prefix = ".\(name).\(stage)-\(host)-"
                guard entry.hasPrefix(prefix), let pid = Int32(entry.dropFirst(prefix.count)), pid != getpid() else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH {
                    try? FileManager.default.removeItem(atPath: parent + "/" + entry)
                }
            }
        }
    }
}
