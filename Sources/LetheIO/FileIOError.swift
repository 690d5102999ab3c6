import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call on a file. The readers and writers of this module map it into their own error types
/// (`ImageError`, `NumPyError`, `SafeTensorsError`, `ZstdError`); `AtomicFileOutput` throws it as it is.
public enum FileIOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Doing `operation` on `path` failed with the system error number `errno`. For an atomic write, `path` is
    /// the destination, not the temporary file beside it.
    case systemCall(FileOperation, path: String, errno: Int32)
    /// An input path names something other than a regular file (a FIFO, a device, a socket, a folder), which
    /// Lethe refuses rather than block on or read without end. `kind` says what it is ("a named pipe (FIFO)").
    case notRegularFile(path: String, kind: String)
    /// An input file is larger than the reader accepts for its kind (a config of gigabytes is not a config).
    case tooLarge(path: String, size: Int, limit: Int)
    /// A text input (a job file, a prompt list) is not valid UTF-8.
    case notUTF8(path: String)

    /// What was being done.
    public var operation: FileOperation {
        switch self {
        case let .systemCall(operation, _, _): operation
        case .notRegularFile: .open
        case .tooLarge, .notUTF8: .read
        }
    }

    /// The file it was done to.
    public var path: String {
        switch self {
        case let .systemCall(_, path, _), let .notRegularFile(path, _), let .tooLarge(path, _, _), let .notUTF8(path): path
        }
    }

    /// The system error number (EINVAL and EFBIG for the checks Lethe makes itself).
    public var errno: Int32 {
        switch self {
        case let .systemCall(_, _, code): code
        case .notRegularFile: EINVAL
        case .tooLarge: EFBIG
        case .notUTF8: EILSEQ
        }
    }

    /// Why it failed: the system's text for `errno` (`strerror`), or what Lethe found.
    public var message: String {
        switch self {
        case let .systemCall(_, _, code): String(cString: strerror(code))
        case let .notRegularFile(_, kind): "it is \(kind), not a regular file"
        case let .tooLarge(_, size, limit): "it has \(size) bytes, more than the \(limit) this kind of file may have"
        case .notUTF8: "it is not UTF-8 text"
        }
    }

    public var description: String {
        switch self {
        case .systemCall: "\(operation.phrase) \(path) failed: \(message) (errno \(errno))."
        case .notRegularFile, .tooLarge, .notUTF8: "\(operation.phrase) \(path) failed: \(message)."
        }
    }
}

extension FileIOError {
    /// Runs `body`, reporting a `FileIOError` it throws as the caller's own error type.
    static func converting<Result, Converted: Error>(
        _ convert: (FileIOError) -> Converted, _ body: () throws(FileIOError) -> Result
    ) throws(Converted) -> Result {
        do {
            return try body()
        } catch {
            throw convert(error)
        }
    }
}

/// Foundation's file-system errors in the words of the system call that failed: "Permission denied", "No space
/// left on device", instead of "Error Domain=NSCocoaErrorDomain Code=512" or "You don't have permission".
public enum FileSystemErrorText {
    /// Why `error` happened: a Foundation file-system error in the system's words with its path, a file error of
    /// this module by its message, anything else (Lethe's own errors say what they mean) by its description.
    public static func reason(_ error: Error) -> String {
        if let error = error as? FileIOError { return error.message }
        return foundationReason(error) ?? "\(error)"
    }

    /// A Foundation file-system error (Cocoa or POSIX domain) in the system's words with its path; nil for others.
    public static func foundationReason(_ error: Error) -> String? {
        let nsError = error as NSError
        guard nsError.domain == NSCocoaErrorDomain || nsError.domain == NSPOSIXErrorDomain else { return nil }
        let path = (nsError.userInfo[NSFilePathErrorKey] as? String) ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path
        let code: Int32? = {
            if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                return Int32(underlying.code)
            }
            if nsError.domain == NSPOSIXErrorDomain { return Int32(nsError.code) }
            switch CocoaError.Code(rawValue: nsError.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
            case .fileWriteNoPermission, .fileReadNoPermission: return EACCES
            case .fileWriteOutOfSpace: return ENOSPC
            case .fileWriteVolumeReadOnly: return EROFS
            case .fileWriteFileExists: return EEXIST
            default: return nil
            }
        }()
        let text = code.map { String(cString: strerror($0)) } ?? nsError.localizedDescription
        return path.map { "'\($0)': \(text)" } ?? text
    }
}
