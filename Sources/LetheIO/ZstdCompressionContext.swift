import CZstd

/// Owns a `ZSTD_CCtx` set to a level, the content checksum and optional worker threads.
final class ZstdCompressionContext {
    let pointer: OpaquePointer

    init(options: ZstdCompressionOptions) throws {
        let levels = Zstd.levelRange
        guard levels.contains(options.level) else {
            throw ZstdError.invalidOption(
                "The zstd compression level must be within \(levels.lowerBound)...\(levels.upperBound), "
                    + "found \(options.level).")
        }
        let maximumWorkers = Zstd.maximumWorkers
        guard options.workers >= 0, options.workers <= maximumWorkers else {
            throw ZstdError.invalidOption(
                "The number of zstd compression workers must be within 0...\(maximumWorkers) with libzstd "
                    + "\(Zstd.libraryVersion), found \(options.workers).")
        }
        guard let context = ZSTD_createCCtx() else {
            throw ZstdError.library(operation: "creating a compression context", name: "Allocation error",
                                    code: Int(ZSTD_error_memory_allocation.rawValue))
        }
        pointer = context
        try set(ZSTD_c_compressionLevel, options.level, "setting the compression level to \(options.level)")
        try set(ZSTD_c_checksumFlag, 1, "enabling the content checksum")
        if options.workers > 0 {
            try set(ZSTD_c_nbWorkers, options.workers, "enabling \(options.workers) compression workers")
        }
    }

    deinit { ZSTD_freeCCtx(pointer) }

    private func set(_ parameter: ZSTD_cParameter, _ value: Int, _ operation: String) throws {
        try ZstdResultCode.check(ZSTD_CCtx_setParameter(pointer, parameter, Int32(value)), operation)
    }
}
