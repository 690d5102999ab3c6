/// Failures of zstd compression or decompression. Descriptions name the data (`source`) and what went wrong.
public enum ZstdError: Error, CustomStringConvertible, Equatable {
    /// libzstd reported an error while doing `operation`; `name` is `ZSTD_getErrorName`'s text.
    case library(operation: String, name: String, code: Int)
    /// The compressed data is damaged: a bad header, a corrupt block, or a content checksum mismatch.
    case corrupted(source: String, compressedOffset: Int, name: String)
    /// The compressed data ends in the middle of a frame (or holds no frame at all).
    case truncated(source: String, compressedBytesRead: Int)
    /// Bytes that are not a zstd frame follow the last complete frame.
    case trailingData(source: String, offset: Int)
    /// Decompression would produce more than `limit` bytes.
    case sizeLimitExceeded(source: String, limit: Int)
    /// The decompressed size differs from the size the caller expected.
    case unexpectedSize(source: String, expected: Int, found: String)
    /// A compressor was given a different number of bytes than it pledged.
    case pledgedSizeMismatch(pledged: Int, written: Int)
    /// A compression option is out of range or unsupported.
    case invalidOption(String)
    /// Reading or writing a file descriptor failed with `errno`.
    case io(operation: String, errno: Int32, message: String)
    /// The stream was used after it finished or failed.
    case streamClosed(operation: String)

    public var description: String {
        switch self {
        case let .library(operation, name, code):
            return "zstd failed while \(operation): \(name) (zstd error \(code))."
        case let .corrupted(source, offset, name):
            return "The zstd data in \(source) is corrupt (detected after \(offset) compressed bytes): \(name)."
        case let .truncated(source, read):
            return read == 0
                ? "The zstd data in \(source) is empty: expected at least one zstd frame, found 0 bytes."
                : "The zstd data in \(source) is truncated: it ends in the middle of a frame after \(read) "
                    + "compressed bytes."
        case let .trailingData(source, offset):
            return "The zstd data in \(source) has trailing bytes at offset \(offset) after the last complete "
                + "frame that are not a zstd frame."
        case let .sizeLimitExceeded(source, limit):
            return "Decompressing \(source) would produce more than the limit of \(limit) bytes."
        case let .unexpectedSize(source, expected, found):
            return "Decompressing \(source) was expected to produce \(expected) bytes, found \(found)."
        case let .pledgedSizeMismatch(pledged, written):
            return "The zstd stream pledged \(pledged) uncompressed bytes but was given \(written)."
        case let .invalidOption(message):
            return message
        case let .io(operation, code, message):
            return "\(operation) failed: \(message) (errno \(code))."
        case let .streamClosed(operation):
            return "Cannot \(operation): the zstd stream has already finished or failed."
        }
    }
}
