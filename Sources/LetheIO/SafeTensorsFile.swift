import Foundation
import LetheTensor

/// One safetensors file, memory-mapped and opened lazily: `open` parses and validates the header only, and
/// tensors are read from the mapping on request.
///
/// A float32 tensor whose data is 4-byte aligned in the file (always so in files written by the reference
/// implementation or by `SafeTensorsWriter`) comes back zero-copy: its storage borrows the mapping, which lives
/// as long as any such tensor. The mapping is read-only: such a tensor must not be written (a write faults); call
/// `copy()` on it for a tensor of its own to change.
public final class SafeTensorsFile: SafeTensorsReader {
    /// The file's URL.
    public let url: URL
    /// The file's `__metadata__` block, nil when it has none.
    public let metadata: [String: String]?
    /// The header entries in data order.
    public let tensorsInDataOrder: [SafeTensorInfo]
    public let tensorNames: [String]

    let mapping: MappedFile
    let dataStart: Int
    private let entries: [String: SafeTensorInfo]

    /// Maps and validates the file at `url`.
    public static func open(_ url: URL) throws(SafeTensorsError) -> SafeTensorsFile {
        let mapping = try MappedFile(path: url.path)
        let header = try SafeTensorsHeader.parse(file: mapping.bytes, path: url.path)
        return SafeTensorsFile(url: url, mapping: mapping, header: header)
    }

    /// A whole safetensors file held in memory (decrypted, say), validated as `open` validates a file; `url` names
    /// it in errors.
    public static func open(bytes: [UInt8], url: URL) throws(SafeTensorsError) -> SafeTensorsFile {
        let mapping = try MappedFile(copying: bytes, path: url.path)
        let header = try SafeTensorsHeader.parse(file: mapping.bytes, path: url.path)
        return SafeTensorsFile(url: url, mapping: mapping, header: header)
    }

    /// Parses and validates the header of a whole safetensors file held in memory, as `open` does after mapping
    /// the file, and returns its tensors in data order; `path` names the data in errors. For the fuzz targets,
    /// which feed the parser bytes without a file.
    package static func validateHeader(of bytes: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) -> [SafeTensorInfo] {
        try SafeTensorsHeader.parse(file: bytes, path: path).tensors
    }

    private init(url: URL, mapping: MappedFile, header: SafeTensorsHeader) {
        self.url = url
        self.mapping = mapping
        metadata = header.metadata
        tensorsInDataOrder = header.tensors
        dataStart = header.dataStart
        entries = Dictionary(header.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        tensorNames = header.tensors.map(\.name).sortedByUTF8()
    }

    /// The file's path, as error messages give it.
    public var path: String { url.path }

    public var location: String { path }

    /// The file's size in bytes.
    public var fileSize: Int { mapping.count }

    public func releaseResidentPages() { mapping.releaseResidentPages() }

    public func info(named name: String) -> SafeTensorInfo? { entries[name] }

    /// The header entry, or `tensorNotFound`.
    func requireInfo(_ name: String) throws(SafeTensorsError) -> SafeTensorInfo {
        guard let info = entries[name] else { throw .tensorNotFound(path: path, tensor: name) }
        return info
    }

    public func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try requireInfo(name)
        return try body(bytes(of: info))
    }

    /// The stored bytes of a tensor inside the mapping.
    func bytes(of info: SafeTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapping.bytes[(dataStart + info.byteRange.lowerBound)..<(dataStart + info.byteRange.upperBound)])
    }
}
