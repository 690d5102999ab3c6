import CZstd

extension Zstd {
    /// Compresses `bytes` into one frame with the content size and checksum recorded.
    public static func compress(_ bytes: UnsafeRawBufferPointer,
                                options: ZstdCompressionOptions = .default) throws -> [UInt8] {
        let bound = compressBound(bytes.count)
        return try [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            count = try compress(bytes, into: UnsafeMutableRawBufferPointer(buffer), options: options)
        }
    }

    /// Compresses `bytes` into one frame with the content size and checksum recorded.
    public static func compress(_ bytes: [UInt8], options: ZstdCompressionOptions = .default) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try compress($0, options: options) }
    }

    /// Compresses `bytes` into `destination` and returns the compressed size; a destination of
    /// `compressBound(bytes.count)` bytes always suffices.
    public static func compress(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                                options: ZstdCompressionOptions = .default) throws -> Int {
        let context = try ZstdCompressionContext(options: options)
        // zstd wants real pointers even for empty buffers.
        var placeholder: UInt8 = 0
        return try withUnsafeMutableBytes(of: &placeholder) { empty in
            try ZstdResultCode.check(
                ZSTD_compress2(context.pointer, destination.baseAddress ?? empty.baseAddress, destination.count,
                               bytes.baseAddress ?? UnsafeRawPointer(empty.baseAddress), bytes.count),
                "compressing \(bytes.count) bytes into a buffer of \(destination.count) bytes")
        }
    }

    /// Decompresses all frames in `compressed`.
    ///
    /// A single frame that records its content size is decoded straight into a buffer of that size; anything
    /// else (unknown size, several frames, damaged data) is streamed, which also tells truncation, corruption and
    /// trailing data apart.
    /// - Parameters:
    ///   - maxSize: decompressed sizes above this throw `ZstdError.sizeLimitExceeded` before allocating.
    ///   - sourceName: names the data in error messages.
    public static func decompress(_ compressed: UnsafeRawBufferPointer, maxSize: Int = defaultMaxDecompressedSize,
                                  sourceName: String = "an in-memory buffer") throws -> [UInt8] {
        let declaredSize = declaredContentSize(ofSingleFrame: compressed)
        if let declaredSize {
            guard declaredSize <= maxSize else {
                throw ZstdError.sizeLimitExceeded(source: sourceName, limit: maxSize)
            }
            let context = try ZstdDecompressionContext()
            return try [UInt8](unsafeUninitializedCapacity: max(declaredSize, 1)) { buffer, count in
                let result = ZSTD_decompressDCtx(context.pointer, buffer.baseAddress, declaredSize,
                                                 compressed.baseAddress, compressed.count)
                if ZstdResultCode.isError(result) {
                    throw ZstdResultCode.decompressionError(result, source: sourceName,
                                                            compressedOffset: compressed.count)
                }
                guard result == declaredSize else {
                    throw ZstdError.unexpectedSize(source: sourceName, expected: declaredSize, found: "\(result)")
                }
                count = result
            }
        }
        let decompressor = try ZstdDecompressor(memory: compressed, sourceName: sourceName,
                                                maxDecompressedSize: maxSize)
        return try decompressor.readAll()
    }

    /// Decompresses all frames in `compressed`; see `decompress(_:maxSize:sourceName:)` for the buffer form.
    public static func decompress(_ compressed: [UInt8], maxSize: Int = defaultMaxDecompressedSize,
                                  sourceName: String = "an in-memory buffer") throws -> [UInt8] {
        try compressed.withUnsafeBytes { try decompress($0, maxSize: maxSize, sourceName: sourceName) }
    }

    /// The content size recorded in the header when `compressed` is exactly one complete frame, else nil.
    static func declaredContentSize(ofSingleFrame compressed: UnsafeRawBufferPointer) -> Int? {
        guard let base = compressed.baseAddress, compressed.count > 0 else { return nil }
        let frameSize = ZSTD_findFrameCompressedSize(base, compressed.count)
        guard !ZstdResultCode.isError(frameSize), frameSize == compressed.count else { return nil }
        let contentSize = ZSTD_getFrameContentSize(base, compressed.count)
        guard contentSize != lethe_zstd_contentsize_unknown(), contentSize != lethe_zstd_contentsize_error(),
              contentSize <= UInt64(Int.max) else { return nil }
        return Int(contentSize)
    }
}
