extension Zstd {
    /// Shuffled streams are shuffled in blocks of about this many bytes (256 KiB): large enough that each byte
    /// plane is a long run, small enough to stay in cache and need no second copy of a large buffer.
    public static let shuffleBlockSize = 1 << 18

    /// The block size for `elementSize`-byte elements: `shuffleBlockSize` rounded down to whole elements.
    public static func shuffleBlockBytes(elementSize: Int) -> Int {
        max(elementSize, shuffleBlockSize / elementSize * elementSize)
    }

    /// Byte-shuffles float32 values in blocks and compresses them into one frame (content size and checksum
    /// recorded). Decompress with `decompressShuffled`.
    public static func compress(shufflingFloats floats: UnsafeBufferPointer<Float>,
                                options: ZstdCompressionOptions = .default) throws -> [UInt8] {
        let byteCount = floats.count * MemoryLayout<Float>.size
        var compressed: [UInt8] = []
        compressed.reserveCapacity(compressBound(byteCount))
        let compressor = try ZstdCompressor(options: options, pledgedSize: byteCount) { chunk in
            compressed.append(contentsOf: chunk)
        }
        try compressor.writeShuffled(floats: floats)
        try compressor.finish()
        return compressed
    }

    /// Byte-shuffles float32 values in blocks and compresses them into one frame.
    public static func compress(shufflingFloats floats: [Float],
                                options: ZstdCompressionOptions = .default) throws -> [UInt8] {
        try floats.withUnsafeBufferPointer { try compress(shufflingFloats: $0, options: options) }
    }

    /// Decompresses data made by `compress(shufflingFloats:)` into `floats`, which must have exactly the original
    /// count; a different decompressed size throws `ZstdError.unexpectedSize`.
    public static func decompressShuffled(_ compressed: UnsafeRawBufferPointer,
                                          into floats: UnsafeMutableBufferPointer<Float>,
                                          sourceName: String = "an in-memory buffer") throws {
        let byteCount = floats.count * MemoryLayout<Float>.size
        let decompressor = try ZstdDecompressor(memory: compressed, sourceName: sourceName,
                                                maxDecompressedSize: byteCount)
        do {
            try decompressor.readShuffled(floats: floats)
            try decompressor.expectEnd()
        } catch ZstdError.sizeLimitExceeded {
            throw ZstdError.unexpectedSize(source: sourceName, expected: byteCount, found: "more")
        }
    }

    /// Decompresses data into `destination`, which must have exactly the decompressed size (the counterpart of
    /// `decompressShuffled` for bytes compressed as they are); another size throws `ZstdError.unexpectedSize`.
    public static func decompress(_ compressed: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                                  sourceName: String = "an in-memory buffer") throws {
        let decompressor = try ZstdDecompressor(memory: compressed, sourceName: sourceName,
                                                maxDecompressedSize: destination.count)
        do {
            try decompressor.readExactly(into: destination)
            try decompressor.expectEnd()
        } catch ZstdError.sizeLimitExceeded {
            throw ZstdError.unexpectedSize(source: sourceName, expected: destination.count, found: "more")
        }
    }

    /// Decompresses data made by `compress(shufflingFloats:)` holding exactly `count` floats.
    public static func decompressShuffledFloats(_ compressed: [UInt8], count: Int,
                                                sourceName: String = "an in-memory buffer") throws -> [Float] {
        precondition(count >= 0, "float count must be non-negative")
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try compressed.withUnsafeBytes { try decompressShuffled($0, into: buffer, sourceName: sourceName) }
            initialized = count
        }
    }
}
