import CZstd

/// Decompresses zstd data pulled from a source in chunks, so neither side has to be in memory whole.
///
/// Accepts one or more concatenated frames (as the `zstd` tool does) and verifies each frame's checksum when
/// present. Input that ends mid-frame, damaged frames, non-zstd bytes after the last frame, and output beyond
/// `maxDecompressedSize` are reported as `ZstdError`s; once an error is thrown, every later read throws it again.
/// Not thread-safe: use it from one task.
public final class ZstdDecompressor {
    /// Fills a buffer with up to `buffer.count` compressed bytes and returns how many; 0 means end of input.
    public typealias Source = (UnsafeMutableRawBufferPointer) throws -> Int

    /// Names the data in error messages, such as a file path.
    public let sourceName: String
    /// Decompressed bytes beyond this count are an error.
    public let maxDecompressedSize: Int

    /// Compressed bytes consumed by the decoder so far.
    public var compressedBytesRead: Int { bytesFromSource - (input.size - input.pos) }
    /// Decompressed bytes returned so far.
    public private(set) var decompressedBytesProduced = 0

    private let context: ZstdDecompressionContext
    private let source: Source
    private let inputStorage: UnsafeMutableRawBufferPointer
    private var input: ZSTD_inBuffer
    private var bytesFromSource = 0
    private var sourceEnded = false
    private var atFrameBoundary = true
    private var framesCompleted = 0
    private var offsetAfterLastFrame = 0
    private var failure: (any Error)?
    /// Scratch block for `readShuffled`, allocated on first use.
    var shuffleScratch: UnsafeMutableRawBufferPointer?

    /// A decompressor that pulls compressed bytes from `source`.
    public init(sourceName: String = "a zstd stream", maxDecompressedSize: Int = .max,
                source: @escaping Source) throws {
        guard maxDecompressedSize >= 0 else {
            throw ZstdError.invalidOption(
                "The decompressed size limit for \(sourceName) must be non-negative, found \(maxDecompressedSize).")
        }
        context = try ZstdDecompressionContext()
        self.sourceName = sourceName
        self.maxDecompressedSize = maxDecompressedSize
        self.source = source
        inputStorage = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
        input = ZSTD_inBuffer(src: inputStorage.baseAddress, size: 0, pos: 0)
    }

    deinit {
        inputStorage.deallocate()
        shuffleScratch?.deallocate()
    }

    /// Decompresses into `buffer`, filling it completely unless the stream ends first; returns the number of
    /// bytes written, which is less than `buffer.count` only at the end of the data (0 once it is exhausted).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failure { throw failure }
        do {
            return try fill(buffer)
        } catch {
            failure = error
            throw error
        }
    }

    /// Decompresses exactly `buffer.count` bytes into `buffer`, throwing if the data ends earlier.
    public func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws {
        let before = decompressedBytesProduced
        let count = try read(into: buffer)
        guard count == buffer.count else {
            let error = ZstdError.unexpectedSize(
                source: sourceName, expected: before + buffer.count, found: "only \(before + count)")
            failure = error
            throw error
        }
    }

    /// Throws unless the data is fully consumed: no decompressed bytes left and nothing after the last frame.
    public func expectEnd() throws {
        var extra: UInt8 = 0
        let count = try withUnsafeMutableBytes(of: &extra) { try read(into: $0) }
        guard count == 0 else {
            let error = ZstdError.unexpectedSize(
                source: sourceName, expected: decompressedBytesProduced - count, found: "more")
            failure = error
            throw error
        }
    }

    /// Decompresses everything that remains and returns it (bounded by `maxDecompressedSize`).
    ///
    /// - Parameter expectedSize: a capacity hint, such as the frame's declared content size.
    public func readAll(expectedSize: Int? = nil) throws -> [UInt8] {
        // Never hold more than the limit allows, plus the one byte that tells an overrun.
        let remaining = maxDecompressedSize - decompressedBytesProduced
        let ceiling = remaining == .max ? remaining : remaining + 1
        // One byte more than expected, so the end is seen without growing the buffer.
        var capacity = min(max(min(max(expectedSize ?? 0, 0), ceiling - 1) + 1, 1 << 16), ceiling)
        var result = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        while true {
            let count = try result.withUnsafeMutableBytes { all in
                try read(into: UnsafeMutableRawBufferPointer(rebasing: all[filled...]))
            }
            filled += count
            // A full buffer at the ceiling cannot happen (the read would have hit the limit), but never spin.
            if filled < capacity || capacity == ceiling { break }
            capacity = capacity > ceiling / 2 ? ceiling : capacity * 2
            result.append(contentsOf: repeatElement(0, count: capacity - result.count))
        }
        result.removeLast(result.count - filled)
        return result
    }

    /// Decompresses everything that remains, passing it to `body` in chunks of at most `chunkSize` bytes.
    public func forEachChunk(chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(chunkSize > 0, "chunk size must be positive")
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = try read(into: chunk)
            if count > 0 { try body(UnsafeRawBufferPointer(rebasing: chunk[0..<count])) }
            if count < chunkSize { return }
        }
    }

    private func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var filled = 0
        while filled < buffer.count {
            if input.pos == input.size && !sourceEnded { try refill() }
            let inputExhausted = input.pos == input.size && sourceEnded
            if inputExhausted && atFrameBoundary {
                guard framesCompleted > 0 else {
                    throw ZstdError.truncated(source: sourceName, compressedBytesRead: compressedBytesRead)
                }
                break
            }
            // Room for one byte past the limit, so an overrun is seen without writing past the caller's buffer.
            let allowed = maxDecompressedSize - decompressedBytesProduced
            let window = min(buffer.count - filled, allowed == .max ? allowed : allowed + 1)
            var output = ZSTD_outBuffer(dst: base + filled, size: window, pos: 0)
            let result = ZSTD_decompressStream(context.pointer, &output, &input)
            if ZstdResultCode.isError(result) { throw error(for: result) }
            filled += output.pos
            decompressedBytesProduced += output.pos
            if decompressedBytesProduced > maxDecompressedSize {
                throw ZstdError.sizeLimitExceeded(source: sourceName, limit: maxDecompressedSize)
            }
            atFrameBoundary = result == 0
            if atFrameBoundary {
                framesCompleted += 1
                offsetAfterLastFrame = compressedBytesRead
            } else if inputExhausted && output.pos == 0 {
                // No input left and zstd could not make progress: the frame is cut short.
                throw ZstdError.truncated(source: sourceName, compressedBytesRead: compressedBytesRead)
            }
        }
        return filled
    }

    private func refill() throws {
        let count = try source(inputStorage)
        precondition(count >= 0 && count <= inputStorage.count, "zstd source returned an impossible byte count")
        if count == 0 { sourceEnded = true }
        input = ZSTD_inBuffer(src: inputStorage.baseAddress, size: count, pos: 0)
        bytesFromSource += count
    }

    private func error(for result: Int) -> ZstdError {
        // An unknown frame header right after a complete frame is trailing data, not a damaged frame.
        if ZstdResultCode.code(result) == ZSTD_error_prefix_unknown && atFrameBoundary && framesCompleted > 0 {
            return .trailingData(source: sourceName, offset: offsetAfterLastFrame)
        }
        return ZstdResultCode.decompressionError(result, source: sourceName, compressedOffset: compressedBytesRead)
    }
}
