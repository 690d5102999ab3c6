extension ZstdDecompressor {
    /// Reads exactly `buffer.count` decompressed bytes written by `ZstdCompressor.writeShuffled` with the same
    /// element size, and unshuffles them into `buffer`, one block at a time.
    public func readShuffled(into buffer: UnsafeMutableRawBufferPointer, elementSize: Int) throws {
        precondition(elementSize > 0, "element size must be positive")
        let blockBytes = Zstd.shuffleBlockBytes(elementSize: elementSize)
        let scratch = shuffleScratch(atLeast: min(blockBytes, buffer.count))
        var offset = 0
        while offset < buffer.count {
            let count = min(blockBytes, buffer.count - offset)
            let block = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count])
            try readExactly(into: block)
            ByteShuffle.unshuffle(UnsafeRawBufferPointer(block),
                                  into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + count]),
                                  elementSize: elementSize)
            offset += count
        }
    }

    /// Reads exactly `floats.count` float32 values written by `ZstdCompressor.writeShuffled(floats:)`.
    public func readShuffled(floats: UnsafeMutableBufferPointer<Float>) throws {
        try readShuffled(into: UnsafeMutableRawBufferPointer(floats), elementSize: MemoryLayout<Float>.size)
    }

    private func shuffleScratch(atLeast byteCount: Int) -> UnsafeMutableRawBufferPointer {
        if let shuffleScratch, shuffleScratch.count >= byteCount { return shuffleScratch }
        shuffleScratch?.deallocate()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
        shuffleScratch = scratch
        return scratch
    }
}
