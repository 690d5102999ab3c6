extension ZstdCompressor {
    /// Byte-shuffles `bytes` (see `ByteShuffle`) in blocks of `Zstd.shuffleBlockBytes(elementSize:)` bytes and
    /// compresses the result, holding only one block extra in memory. Blocks start at the beginning of each call:
    /// read the same bytes back with one `ZstdDecompressor.readShuffled` call of the same size.
    public func writeShuffled(_ bytes: UnsafeRawBufferPointer, elementSize: Int) throws {
        precondition(elementSize > 0, "element size must be positive")
        let blockBytes = Zstd.shuffleBlockBytes(elementSize: elementSize)
        let scratch = shuffleScratch(atLeast: min(blockBytes, bytes.count))
        var offset = 0
        while offset < bytes.count {
            let count = min(blockBytes, bytes.count - offset)
            let block = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count])
            ByteShuffle.shuffle(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), into: block,
                                elementSize: elementSize)
            try write(UnsafeRawBufferPointer(block))
            offset += count
        }
    }

    /// Byte-shuffles the float32 values (planes of their 4 bytes) in blocks and compresses them.
    public func writeShuffled(floats: UnsafeBufferPointer<Float>) throws {
        try writeShuffled(UnsafeRawBufferPointer(floats), elementSize: MemoryLayout<Float>.size)
    }

    private func shuffleScratch(atLeast byteCount: Int) -> UnsafeMutableRawBufferPointer {
        if let shuffleScratch, shuffleScratch.count >= byteCount { return shuffleScratch }
        shuffleScratch?.deallocate()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
        shuffleScratch = scratch
        return scratch
    }
}
