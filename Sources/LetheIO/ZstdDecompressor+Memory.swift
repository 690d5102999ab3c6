extension ZstdDecompressor {
    /// A decompressor over `compressed`, which must stay valid while the decompressor reads it.
    convenience init(memory compressed: UnsafeRawBufferPointer, sourceName: String,
                     maxDecompressedSize: Int) throws {
        var offset = 0
        try self.init(sourceName: sourceName, maxDecompressedSize: maxDecompressedSize) { buffer in
            let count = min(buffer.count, compressed.count - offset)
            if count > 0 {
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: compressed[offset..<offset + count]))
            }
            offset += count
            return count
        }
    }
}

extension ZstdDecompressor {
    /// A decompressor over the compressed bytes of an array (shared, not copied).
    public convenience init(bytes compressed: [UInt8], sourceName: String = "an in-memory buffer",
                            maxDecompressedSize: Int = .max) throws {
        var offset = 0
        try self.init(sourceName: sourceName, maxDecompressedSize: maxDecompressedSize) { buffer in
            let count = min(buffer.count, compressed.count - offset)
            compressed.withUnsafeBytes { all in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<offset + count]))
            }
            offset += count
            return count
        }
    }
}
