import Foundation

extension ZstdCompressor {
    /// A compressor that writes its frame to `fileDescriptor`, which the caller keeps open until `finish`.
    public convenience init(fileDescriptor: Int32, options: ZstdCompressionOptions = .default,
                            pledgedSize: Int? = nil) throws {
        try self.init(options: options, pledgedSize: pledgedSize) { chunk in
            try Self.writeFully(chunk, to: fileDescriptor)
        }
    }

    /// A compressor that writes its frame to `fileHandle` (kept alive by the compressor).
    public convenience init(fileHandle: FileHandle, options: ZstdCompressionOptions = .default,
                            pledgedSize: Int? = nil) throws {
        try self.init(options: options, pledgedSize: pledgedSize) { chunk in
            try Self.writeFully(chunk, to: fileHandle.fileDescriptor)
        }
    }

    /// A compressor that creates (or truncates) the file at `path` and writes its frame there; the file is
    /// closed when the compressor is released.
    public convenience init(path: String, options: ZstdCompressionOptions = .default,
                            pledgedSize: Int? = nil) throws {
        let fileDescriptor = try FileIOError.converting(Self.ioError) { () throws(FileIOError) in
            try POSIXFile.openDescriptor(path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o644)
        }
        let fileHandle = FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: true)
        try self.init(fileHandle: fileHandle, options: options, pledgedSize: pledgedSize)
    }

    private static func writeFully(_ chunk: UnsafeRawBufferPointer, to fileDescriptor: Int32) throws(ZstdError) {
        try FileIOError.converting(Self.ioError) { () throws(FileIOError) in
            try POSIXFile.writeFully(chunk, to: fileDescriptor, path: "file descriptor \(fileDescriptor)")
        }
    }

    private static func ioError(_ error: FileIOError) -> ZstdError { ZstdError(error, purpose: "writing") }
}
