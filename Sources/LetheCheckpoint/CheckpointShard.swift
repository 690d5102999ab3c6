import Foundation
import LetheIO
import LetheTelemetry
import LetheTensor

/// One rank's shard file: its tensors one after another, each cut into chunks of at most `chunkBytes`, each chunk a
/// zstd frame (float32 values byte-shuffled first, so the exponent bytes compress, unless `byteShuffle` is off)
/// with zstd's content checksum, and the SHA-256 of each compressed chunk recorded in the manifest.
enum CheckpointShard {
    /// 16 MiB of values per chunk: large enough to compress well, small enough to hash and check in pieces.
    static let chunkBytes = 16 << 20

    /// Writes `tensors` to `path` (a temporary file, flushed to disk, then renamed) and returns their records.
    static func write(_ tensors: [CheckpointTensor], to path: String, shardName: String, chunkBytes: Int = chunkBytes,
                      options: ZstdCompressionOptions = .default, byteShuffle: Bool = true, sealing: Sealing? = nil,
                      afterFirstChunk: () -> Void = {}) throws -> [CheckpointManifest.TensorRecord] {
        // This rank's part of a save, with its bytes before and after compression (the report's MB/s and ratio).
        var span = Activity.begin(.checkpointWrite, "write \(shardName)", bytes: tensors.reduce(0) { $0 + $1.byteCount })
        defer { span.end() }
        let output = try AtomicFileOutput(destination: path)
        var offset = 0
        var records: [CheckpointManifest.TensorRecord] = []
        do {
            for tensor in tensors {
                var chunks: [CheckpointManifest.Chunk] = []
                let elementSize = tensor.dtype.size
                let perChunk = max(1, chunkBytes / elementSize)
                let count = tensor.byteCount / elementSize
                for start in stride(from: 0, to: max(count, 1), by: perChunk) where count > 0 || start == 0 {
                    let elements = min(perChunk, count - start)
                    var compressed: [UInt8] = switch tensor.values {
                    case .float32(let values) where byteShuffle:
                        try Zstd.compress(shufflingFloats: UnsafeBufferPointer(start: values.pointer + start, count: elements),
                                          options: options)
                    case .float32(let values):
                        try Zstd.compress(UnsafeRawBufferPointer(start: values.pointer + start, count: elements * elementSize),
                                          options: options)
                    case .uint8(let bytes):
                        try bytes.withUnsafeBytes {
                            try Zstd.compress(UnsafeRawBufferPointer(rebasing: $0[start..<(start + elements)]), options: options)
                        }
                    }
                    if let sealing { compressed = try sealing.key.seal(compressed, context: sealing.context(tensor.name, chunks.count)) }
                    try output.append(compressed)
                    if offset == 0 { afterFirstChunk() }
                    chunks.append(.init(offset: offset, length: compressed.count, elements: elements,
                                        sha256: SHA256Hex.of(compressed)))
                    offset += compressed.count
                }
                records.append(.init(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, shard: shardName,
                                     chunks: chunks, byteShuffle: tensor.dtype == .float32 && !byteShuffle ? false : nil))
            }
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
        span.compressedBytes = offset
        return records
    }

    /// How the chunks of an encrypted step are sealed: with the key, bound to the step, the tensor and the chunk's
    /// place in it.
    struct Sealing {
        let key: CheckpointKey
        let step: Int

        func context(_ tensor: String, _ chunk: Int) -> String { "step \(step)\u{0}\(tensor)\u{0}chunk \(chunk)" }
    }

    /// Checks one tensor's chunks against their SHA-256 without decompressing them (a tensor a reader does not need),
    /// and that each opens with the key when `sealing` is given.
    static func verify(_ record: CheckpointManifest.TensorRecord, file: MappedFile, sealing: Sealing?) throws {
        try checkChunkTotal(record, path: file.path)
        for (index, chunk) in record.chunks.enumerated() {
            try withChunk(chunk, index: index, of: record, file: file, sealing: sealing) { _ in }
        }
    }

    private static func checkChunkTotal(_ record: CheckpointManifest.TensorRecord, path: String) throws {
        guard record.shape.allSatisfy({ $0 >= 0 }), record.chunks.reduce(0, { $0 + $1.elements }) == record.shape.reduce(1, *) else {
            throw CheckpointError.corrupt(path: path, reason: "the chunks of '\(record.name)' do not add up to its shape \(record.shape)")
        }
    }

    /// A chunk's compressed bytes in the mapped shard, checked against its SHA-256.
    private static func chunkBytes(_ chunk: CheckpointManifest.Chunk, of record: CheckpointManifest.TensorRecord,
                                   file: MappedFile) throws -> UnsafeRawBufferPointer {
        guard chunk.offset >= 0, chunk.length >= 0, chunk.offset <= file.count - chunk.length else {
            throw CheckpointError.corrupt(path: file.path, reason: "a chunk of '\(record.name)' lies past the end of the file (truncated?)")
        }
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[chunk.offset..<(chunk.offset + chunk.length)])
        guard SHA256Hex.of(bytes) == chunk.sha256 else {
            throw CheckpointError.corrupt(path: file.path, reason: "a chunk of '\(record.name)' does not match its SHA-256")
        }
        return bytes
    }

    /// Calls `body` with a chunk's compressed bytes: checked against their SHA-256 and, in an encrypted step, opened
    /// with the key (a chunk that does not open is not authentic: tampered with before its hash was recomputed, or
    /// moved from another place).
    private static func withChunk<T>(_ chunk: CheckpointManifest.Chunk, index: Int, of record: CheckpointManifest.TensorRecord,
                                     file: MappedFile, sealing: Sealing?, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let stored = try chunkBytes(chunk, of: record, file: file)
        guard let sealing else { return try body(stored) }
        guard let opened = sealing.key.open(stored, context: sealing.context(record.name, index)) else {
            throw CheckpointError.notAuthentic(path: file.path, reason: "chunk \(index) of '\(record.name)' does not decrypt")
        }
        return try opened.withUnsafeBytes(body)
    }

    /// Reads one tensor of a step folder, checking each chunk's SHA-256 before it is decompressed and zstd's
    /// checksum as it is.
    static func read(_ record: CheckpointManifest.TensorRecord, folder: URL, file: MappedFile, sealing: Sealing?) throws -> CheckpointTensor {
        let path = file.path
        let count = record.shape.reduce(1, *)
        try checkChunkTotal(record, path: path)
        func withChunk<T>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
            try Self.withChunk(record.chunks[index], index: index, of: record, file: file, sealing: sealing, body)
        }
        do {
            switch record.dtype {
            case .float32:
                let tensor = Tensor(zeros: record.shape)
                var start = 0
                for (index, chunk) in record.chunks.enumerated() {
                    let floats = UnsafeMutableBufferPointer(start: tensor.pointer + start, count: chunk.elements)
                    try withChunk(index) { bytes in
                        if record.byteShuffle ?? true {
                            try Zstd.decompressShuffled(bytes, into: floats, sourceName: path)
                        } else {
                            try Zstd.decompress(bytes, into: UnsafeMutableRawBufferPointer(floats), sourceName: path)
                        }
                    }
                    start += chunk.elements
                }
                return CheckpointTensor(record.name, tensor)
            case .uint8:
                var bytes: [UInt8] = []
                bytes.reserveCapacity(count)
                for (index, chunk) in record.chunks.enumerated() {
                    let part = try withChunk(index) { try Zstd.decompress($0, maxSize: chunk.elements) }
                    guard part.count == chunk.elements else {
                        throw CheckpointError.corrupt(path: path, reason: "a chunk of '\(record.name)' holds \(part.count) bytes, not \(chunk.elements)")
                    }
                    bytes += part
                }
                return CheckpointTensor(record.name, bytes: bytes)
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.corrupt(path: path, reason: "'\(record.name)' does not decompress: \(error)")
        }
    }
}
