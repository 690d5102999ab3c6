import CZstd

/// Compresses a stream of chunks into one zstd frame (with content checksum), handing compressed bytes to a sink
/// as they are produced, so neither the input nor the output ever has to be in memory whole.
///
/// Call `write` for each chunk, then `finish` once to end the frame. A compressor dropped before `finish` leaves
/// an incomplete frame behind, which decompression reports as truncated. Not thread-safe: use it from one task.
public final class ZstdCompressor {
    /// Receives compressed bytes; the buffer is only valid during the call.
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    private enum State { case open, finished, failed }

    private let context: ZstdCompressionContext
    private let sink: Sink
    private let outputStorage: UnsafeMutableRawBufferPointer
    private let pledgedSize: Int?
    private var state = State.open
    /// Scratch block for `writeShuffled`, allocated on first use.
    var shuffleScratch: UnsafeMutableRawBufferPointer?

    /// Uncompressed bytes accepted so far.
    public private(set) var uncompressedBytesWritten = 0
    /// Compressed bytes handed to the sink so far.
    public private(set) var compressedBytesEmitted = 0

    /// A compressor that passes compressed bytes to `sink`.
    ///
    /// - Parameter pledgedSize: the exact number of bytes that will be written, if known; it is recorded in the
    ///   frame header (so one-shot decompression can allocate exactly) and `finish` fails if it is not met.
    public init(options: ZstdCompressionOptions = .default, pledgedSize: Int? = nil,
                sink: @escaping Sink) throws {
        context = try ZstdCompressionContext(options: options)
        if let pledgedSize {
            guard pledgedSize >= 0 else {
                throw ZstdError.invalidOption(
                    "A pledged zstd content size must be non-negative, found \(pledgedSize).")
            }
            try ZstdResultCode.check(ZSTD_CCtx_setPledgedSrcSize(context.pointer, UInt64(pledgedSize)),
                                     "pledging a content size of \(pledgedSize) bytes")
        }
        self.pledgedSize = pledgedSize
        self.sink = sink
        outputStorage = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
    }

    deinit {
        outputStorage.deallocate()
        shuffleScratch?.deallocate()
    }

    /// Compresses `bytes` (any length, including 0) as the next part of the frame.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try run("write to the compressor") {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            if let pledgedSize, uncompressedBytesWritten + bytes.count > pledgedSize {
                throw ZstdError.pledgedSizeMismatch(pledged: pledgedSize,
                                                    written: uncompressedBytesWritten + bytes.count)
            }
            var input = ZSTD_inBuffer(src: base, size: bytes.count, pos: 0)
            while input.pos < input.size {
                _ = try compressStep(&input, ZSTD_e_continue, "compressing \(bytes.count) bytes")
            }
            uncompressedBytesWritten += bytes.count
        }
    }

    /// Compresses `bytes` as the next part of the frame.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Pushes everything written so far to the sink as complete blocks (the frame stays open).
    public func flush() throws {
        try run("flush the compressor") {
            var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
            while try compressStep(&input, ZSTD_e_flush, "flushing the compressed stream") != 0 {}
        }
    }

    /// Ends the frame (writing the remaining blocks and the checksum). The compressor cannot be used afterwards.
    public func finish() throws {
        try run("finish the compressor") {
            if let pledgedSize, pledgedSize != uncompressedBytesWritten {
                throw ZstdError.pledgedSizeMismatch(pledged: pledgedSize, written: uncompressedBytesWritten)
            }
            var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
            while try compressStep(&input, ZSTD_e_end, "ending the compressed frame") != 0 {}
            state = .finished
        }
    }

    /// Runs one `ZSTD_compressStream2` call and hands its output to the sink; returns zstd's remaining hint.
    private func compressStep(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective,
                              _ operation: @autoclosure () -> String) throws -> Int {
        var output = ZSTD_outBuffer(dst: outputStorage.baseAddress, size: outputStorage.count, pos: 0)
        let remaining = try ZstdResultCode.check(
            ZSTD_compressStream2(context.pointer, &output, &input, directive), operation())
        if output.pos > 0 {
            try sink(UnsafeRawBufferPointer(rebasing: outputStorage[0..<output.pos]))
            compressedBytesEmitted += output.pos
        }
        return remaining
    }

    /// Runs `body` on an open stream; any failure closes the stream, since the frame is then unusable.
    func run(_ operation: String, _ body: () throws -> Void) throws {
        guard state == .open else { throw ZstdError.streamClosed(operation: operation) }
        do {
            try body()
        } catch {
            state = .failed
            throw error
        }
    }
}
