import CZstd

/// Owns a `ZSTD_DCtx`.
final class ZstdDecompressionContext {
    let pointer: OpaquePointer

    init() throws {
        guard let context = ZSTD_createDCtx() else {
            throw ZstdError.library(operation: "creating a decompression context", name: "Allocation error",
                                    code: Int(ZSTD_error_memory_allocation.rawValue))
        }
        pointer = context
    }

    deinit { ZSTD_freeDCtx(pointer) }
}
