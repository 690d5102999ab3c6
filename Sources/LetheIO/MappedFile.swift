#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped into memory read-only and private: pages are read from the file on first touch and come
/// from the page cache, so every process mapping the same file (the ranks of a node, a model loaded twice) shares
/// one physical copy. The mapping is never written: a write through it (into a zero-copy tensor) faults at once
/// rather than quietly giving this process a private page, or another tensor of the same file a changed value;
/// code that changes weights copies them first (`Tensor.copy()`, `WeightLoading.arena`). MAP_PRIVATE so that
/// even so nothing could reach the file. The mapping lives as long as this object, so tensors borrowing it keep
/// it as their owner.
///
/// If another process truncates the file while it is mapped, touching the lost pages raises SIGBUS; writers in
/// this package replace files by renaming a new one into place, which leaves existing mappings intact.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The start of the mapping (nil for an empty file, which cannot be mapped).
    private let base: UnsafeMutableRawPointer?
    /// The file's size in bytes.
    public let count: Int
    /// Whether the pages come from a file (and can be read again from it), not from an in-memory copy.
    private let isFile: Bool

    /// Maps the file at `path`.
    public init(path: String) throws(SafeTensorsError) {
        self.path = path
        isFile = true
        let (descriptor, status) = try FileIOError.converting(SafeTensorsError.init) { () throws(FileIOError) in
            try POSIXFile.openForReading(path)
        }
        defer { close(descriptor) }
        count = Int(status.st_size)
        if count == 0 {
            base = nil
            return
        }
        let mapping = mmap(nil, count, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let mapping, mapping != MAP_FAILED else {
            throw SafeTensorsError(FileIOError.systemCall(.map, path: path, errno: errno))
        }
        base = mapping
    }

    /// A read-only anonymous mapping holding a copy of `bytes`, named `path` in errors: a file decrypted in
    /// memory, read as a mapped file is without its plaintext ever reaching a disk.
    public init(copying bytes: [UInt8], path: String) throws(SafeTensorsError) {
        self.path = path
        isFile = false
        count = bytes.count
        if count == 0 {
            base = nil
            return
        }
        let mapping = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapping, mapping != MAP_FAILED else {
            throw SafeTensorsError(FileIOError.systemCall(.map, path: path, errno: errno))
        }
        bytes.withUnsafeBytes { mapping.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        mprotect(mapping, count, PROT_READ)
        base = mapping
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// Drops this process's resident pages of a file's mapping: they stay in the page cache, and a later read
    /// faults them back in from there. After weights are copied out of the file (`WeightLoading.arena`), its pages
    /// would otherwise stay counted in the process's resident memory beside the copy for as long as the reader
    /// lives (3.4 GB for SD 1.5's UNet). Does nothing for an in-memory copy, whose pages are its only bytes.
    public func releaseResidentPages() {
        guard isFile, let base else { return }
        madvise(base, count, MADV_DONTNEED)
    }

    /// The file's bytes (read-only access).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// The file's bytes typed as mutable for `TensorStorage(borrowing:)`, which takes a mutable pointer; the pages
    /// are read-only, so tensors borrowing them must only be read.
    var mutableBytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: count) }
}
