import Foundation
import LetheTensor

/// Writes safetensors files laid out byte for byte as the reference implementation (the Rust core of Python's
/// `safetensors`) writes them:
///
/// - tensors sorted by dtype alignment, largest first, then by name (UTF-8 byte order), data in that order;
/// - a compact JSON header: `__metadata__` first (its keys sorted — the reference uses a hash map, so its order
///   is only reproducible with one key), then each tensor as `{"dtype":…,"shape":[…],"data_offsets":[b,e]}`;
/// - the header padded with spaces to a multiple of 8 bytes behind its little-endian u64 length.
///
/// Writing is atomic: a temporary file beside the destination is synced and renamed into place.
public enum SafeTensorsWriter {
    /// Writes float tensors as `dtype` (F32 by default, or F16 / BF16 rounded to nearest even, or F64).
    public static func write(
        _ tensors: [(String, Tensor)], metadata: [String: String]? = nil, dtype: SafeTensorDType = .f32, to url: URL
    ) throws(SafeTensorsError) {
        try write(entries: tensors.map { SafeTensorsEntry(name: $0.0, tensor: $0.1, dtype: dtype) }, metadata: metadata, to: url)
    }

    /// Writes any mix of float tensors, raw bytes and tensors copied from files.
    public static func write(entries: [SafeTensorsEntry], metadata: [String: String]? = nil, to url: URL) throws(SafeTensorsError) {
        let layout = try Layout(entries: entries, metadata: metadata, path: url.path)
        let output = try FileIOError.converting(SafeTensorsError.init) { () throws(FileIOError) in
            try AtomicFileOutput(destination: url.path)
        }
        do throws(SafeTensorsError) {
            try FileIOError.converting(SafeTensorsError.init) { () throws(FileIOError) in
                try output.append(layout.header)
            }
            for (entry, _) in layout.ordered { try writeData(of: entry, to: output) }
            try FileIOError.converting(SafeTensorsError.init) { () throws(FileIOError) in try output.commit() }
        } catch {
            output.discard()
            throw error
        }
    }

    /// The bytes of a whole file, built in memory (for small files and tests).
    public static func serialize(entries: [SafeTensorsEntry], metadata: [String: String]? = nil) throws(SafeTensorsError) -> [UInt8] {
        let layout = try Layout(entries: entries, metadata: metadata, path: "<memory>")
        var result = layout.header
        for (entry, _) in layout.ordered {
            try withData(of: entry, path: "<memory>") { (chunk: UnsafeRawBufferPointer) throws(SafeTensorsError) in
                result.append(contentsOf: chunk)
            }
        }
        return result
    }

    /// The sorted entries and the encoded header (length prefix included) of a file to write.
    struct Layout {
        let header: [UInt8]
        let ordered: [(entry: SafeTensorsEntry, byteCount: Int)]

        init(entries: [SafeTensorsEntry], metadata: [String: String]?, path: String) throws(SafeTensorsError) {
            var names = Set<String>()
            var sized: [(entry: SafeTensorsEntry, byteCount: Int)] = []
            sized.reserveCapacity(entries.count)
            for entry in entries {
                guard entry.name != SafeTensorsHeader.metadataKey else { throw .invalidTensorName(path: path, tensor: entry.name) }
                guard names.insert(entry.name).inserted else { throw .duplicateTensorToWrite(path: path, tensor: entry.name) }
                sized.append((entry, try SafeTensorsWriter.byteCount(of: entry, path: path)))
            }
            ordered = sized.sorted { left, right in
                if left.entry.dtype != right.entry.dtype {
                    return left.entry.dtype.alignmentRank > right.entry.dtype.alignmentRank
                }
                return left.entry.name.utf8.lexicographicallyPrecedes(right.entry.name.utf8)
            }

            var json = "{"
            var separator = ""
            if let metadata {
                let pairs = Array(metadata.keys).sortedByUTF8().map {
                    SafeTensorsJSON.compactLiteral($0) + ":" + SafeTensorsJSON.compactLiteral(metadata[$0] ?? "")
                }
                json += "\"__metadata__\":{" + pairs.joined(separator: ",") + "}"
                separator = ","
            }
            var offset = 0
            for (entry, byteCount) in ordered {
                let shape = entry.shape.map(String.init).joined(separator: ",")
                json += separator + SafeTensorsJSON.compactLiteral(entry.name)
                    + ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + byteCount)]}"
                separator = ","
                offset += byteCount
            }
            json += "}"

            var headerJSON = Array(json.utf8)
            let padded = (headerJSON.count + 7) / 8 * 8
            headerJSON.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padded - headerJSON.count))
            guard UInt64(padded) <= SafeTensorsHeader.maximumLength else {
                throw .headerTooLarge(path: path, headerLength: UInt64(padded))
            }
            var header = [UInt8]()
            header.reserveCapacity(8 + padded)
            withUnsafeBytes(of: UInt64(padded).littleEndian) { header.append(contentsOf: $0) }
            header.append(contentsOf: headerJSON)
            self.header = header
        }
    }

    /// The number of data bytes an entry will take, after checking it can be written.
    static func byteCount(of entry: SafeTensorsEntry, path: String) throws(SafeTensorsError) -> Int {
        let expected = try entry.expectedByteCount(path: path)
        switch entry.payload {
        case .float:
            guard [.f32, .f16, .bf16, .f64].contains(entry.dtype) else {
                throw .unsupportedOutputDType(path: path, tensor: entry.name, dtype: entry.dtype)
            }
        case .bytes(let bytes):
            guard bytes.count == expected else {
                throw .rawByteCountMismatch(path: path, tensor: entry.name, expected: expected, actual: bytes.count)
            }
        case .stored(let reader, let name):
            guard let info = reader.info(named: name) else { throw .tensorNotFound(path: reader.location, tensor: name) }
            guard info.byteCount == expected else {
                throw .rawByteCountMismatch(path: path, tensor: entry.name, expected: expected, actual: info.byteCount)
            }
        }
        return expected
    }

    private static func writeData(of entry: SafeTensorsEntry, to output: AtomicFileOutput) throws(SafeTensorsError) {
        try withData(of: entry, path: output.destination) { (chunk: UnsafeRawBufferPointer) throws(SafeTensorsError) in
            try FileIOError.converting(SafeTensorsError.init) { () throws(FileIOError) in
                try output.append(chunk)
            }
        }
    }

    /// Calls `consume` with the entry's encoded bytes, in order, in chunks of bounded size.
    static func withData(
        of entry: SafeTensorsEntry, path: String, _ consume: (UnsafeRawBufferPointer) throws(SafeTensorsError) -> Void
    ) throws(SafeTensorsError) {
        switch entry.payload {
        case .bytes(let bytes):
            var failure: SafeTensorsError?
            bytes.withUnsafeBytes { raw in
                do throws(SafeTensorsError) { try consume(raw) } catch { failure = error }
            }
            if let failure { throw failure }
        case .stored(let reader, let name):
            var failure: SafeTensorsError?
            do {
                try reader.withRawBytes(named: name) { raw in
                    do throws(SafeTensorsError) { try consume(raw) } catch { failure = error }
                }
            } catch let error as SafeTensorsError {
                throw error
            } catch {
                preconditionFailure("withRawBytes threw a foreign error: \(error)")
            }
            if let failure { throw failure }
        case .float(let tensor):
            try encode(tensor.contiguous(), as: entry.dtype, consume)
        }
    }

    /// Encodes a contiguous float tensor as `dtype`, converting through a bounded staging buffer.
    private static func encode(
        _ tensor: Tensor, as dtype: SafeTensorDType, _ consume: (UnsafeRawBufferPointer) throws(SafeTensorsError) -> Void
    ) throws(SafeTensorsError) {
        let count = tensor.count
        guard count > 0 else { return }
        let source = UnsafePointer(tensor.pointer)
        if dtype == .f32 {
            try consume(UnsafeRawBufferPointer(start: source, count: count * 4))
            return
        }
        let chunkElements = 1 << 16
        let elementSize = dtype == .f64 ? 8 : 2
        let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * elementSize, alignment: 16)
        defer { staging.deallocate() }
        let stagingStart = staging.baseAddress!
        var start = 0
        while start < count {
            let length = min(chunkElements, count - start)
            switch dtype {
            case .f16: HalfPrecision.encodeF16(source + start, count: length, into: stagingStart)
            case .bf16: HalfPrecision.encodeBF16(source + start, count: length, into: stagingStart)
            default:
                let doubles = stagingStart.assumingMemoryBound(to: Double.self)
                for index in 0..<length { doubles[index] = Double(source[start + index]) }
            }
            try consume(UnsafeRawBufferPointer(start: stagingStart, count: length * elementSize))
            start += length
        }
        withExtendedLifetime(tensor) {}
    }
}
