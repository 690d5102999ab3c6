import CZstd

/// Helpers for libzstd's `size_t` results, which carry either a value or an error code.
enum ZstdResultCode {
    static func isError(_ result: Int) -> Bool { ZSTD_isError(result) != 0 }

    static func name(_ result: Int) -> String { String(cString: ZSTD_getErrorName(result)) }

    static func code(_ result: Int) -> ZSTD_ErrorCode { ZSTD_getErrorCode(result) }

    /// Returns `result`, or throws `ZstdError.library` naming `operation` when it is an error.
    @discardableResult
    static func check(_ result: Int, _ operation: @autoclosure () -> String) throws -> Int {
        guard isError(result) else { return result }
        throw ZstdError.library(operation: operation(), name: name(result), code: Int(code(result).rawValue))
    }

    /// Maps a decompression error to a `ZstdError` that says whether the data is damaged or zstd failed.
    static func decompressionError(_ result: Int, source: String, compressedOffset: Int) -> ZstdError {
        switch code(result) {
        case ZSTD_error_prefix_unknown, ZSTD_error_version_unsupported, ZSTD_error_frameParameter_unsupported,
            ZSTD_error_corruption_detected, ZSTD_error_checksum_wrong, ZSTD_error_literals_headerWrong,
            ZSTD_error_srcSize_wrong:
            return .corrupted(source: source, compressedOffset: compressedOffset, name: name(result))
        default:
            return .library(operation: "decompressing \(source)", name: name(result),
                            code: Int(code(result).rawValue))
        }
    }
}
