import Foundation

extension ZstdCompressor {
    /// A compressor that writes its frame to `fileDescriptor`, which the caller keeps open until `finish`.
    public convenience init(fileDescriptor: Int32, options: ZstdCompressionOptions = .default,
                            pledgedSize: Int? = nil) throws {
        try self.init(options: options, pledgedSize: pledgedSize) { chunk in
            try ZstdFileDescriptorIO.writeAll(chunk, to: fileDescriptor)
        }
    }

    /// A compressor that writes its frame to `fileHandle` (kept alive by the compressor).
    public convenience init(fileHandle: FileHandle, options: ZstdCompressionOptions = .default,
                            pledgedSize: Int? = nil) throws {
        try self.init(options: options, pledgedSize: pledgedSize) { chunk in
            try ZstdFileDescriptorIO.writeAll(chunk, to: fileHandle.fileDescriptor)
        }
    }

    /// A compressor that creates (or truncates) the file at `path` and writes its frame there; the file is
    /// closed when the compressor is released.
    public convenience init(path: String, options: ZstdCompressionOptions = .default,
                            pledgedSize: Int? = nil) throws {
        let fileDescriptor = try ZstdFileDescriptorIO.open(
            path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, purpose: "writing")
        let fileHandle = FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: true)
        try self.init(fileHandle: fileHandle, options: options, pledgedSize: pledgedSize)
    }
}
