import Foundation

extension ZstdDecompressor {
    /// A decompressor that reads compressed bytes from the current position of `fileDescriptor`, which the caller
    /// keeps open while reading. The data is expected to run to the end of the file.
    public convenience init(fileDescriptor: Int32, sourceName: String? = nil,
                            maxDecompressedSize: Int = .max) throws {
        try self.init(sourceName: sourceName ?? "file descriptor \(fileDescriptor)",
                      maxDecompressedSize: maxDecompressedSize) { buffer in
            try Self.readFully(into: buffer, from: fileDescriptor)
        }
    }

    /// A decompressor that reads compressed bytes from `fileHandle` (kept alive by the decompressor).
    public convenience init(fileHandle: FileHandle, sourceName: String = "a file",
                            maxDecompressedSize: Int = .max) throws {
        try self.init(sourceName: sourceName, maxDecompressedSize: maxDecompressedSize) { buffer in
            try Self.readFully(into: buffer, from: fileHandle.fileDescriptor)
        }
    }

    /// A decompressor that reads the file at `path` (named in errors); the file is closed when the
    /// decompressor is released.
    public convenience init(path: String, maxDecompressedSize: Int = .max) throws {
        let fileDescriptor = try FileIOError.converting(Self.ioError) { () throws(FileIOError) in
            try POSIXFile.openForReading(path).descriptor
        }
        let fileHandle = FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: true)
        try self.init(fileHandle: fileHandle, sourceName: path, maxDecompressedSize: maxDecompressedSize)
    }

    /// Reads up to `buffer.count` bytes, returning fewer only at end of file.
    private static func readFully(
        into buffer: UnsafeMutableRawBufferPointer, from fileDescriptor: Int32
    ) throws(ZstdError) -> Int {
        try FileIOError.converting(Self.ioError) { () throws(FileIOError) in
            try POSIXFile.readFully(into: buffer, from: fileDescriptor, path: "file descriptor \(fileDescriptor)")
        }
    }

    private static func ioError(_ error: FileIOError) -> ZstdError { ZstdError(error, purpose: "reading") }
}
