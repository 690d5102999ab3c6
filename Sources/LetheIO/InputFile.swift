import Foundation

/// The one way Lethe opens an input file (weights, configs, tokenizer files, images, latents, embeddings, job
/// files, prompt lists): only regular files are read, the open never blocks (a FIFO or device is refused with its
/// path and kind instead of hanging the process), and a size limit is checked before anything is read.
public enum InputFile {
    /// The bytes of the regular file at `path`; files over `limit` bytes are refused before being read.
    public static func read(_ path: String, limit: Int = .max) throws(FileIOError) -> [UInt8] {
        try POSIXFile.readAll(path, limit: limit)
    }

    /// The bytes of the regular file at `url` as `Data`.
    public static func data(_ url: URL, limit: Int = .max) throws(FileIOError) -> Data {
        Data(try read(url.path, limit: limit))
    }

    /// The UTF-8 text of the regular file at `path` (invalid sequences are an error naming the file).
    public static func text(_ path: String, limit: Int = .max) throws(FileIOError) -> String {
        let bytes = try read(path, limit: limit)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .notUTF8(path: path)
        }
        return text
    }

    /// The lines of a text file of one item per line (prompts, concepts), trimmed of spaces, blank lines left out.
    public static func nonEmptyLines(_ path: String, limit: Int = 64 << 20) throws(FileIOError) -> [String] {
        try text(path, limit: limit).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The first `count` bytes of the regular file at `path` (fewer if it is shorter).
    public static func prefix(_ path: String, count: Int) throws(FileIOError) -> [UInt8] {
        let (descriptor, _) = try POSIXFile.openForReading(path)
        defer { _ = close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(FileIOError) -> Int in try POSIXFile.readFully(into: buffer, from: descriptor, path: path) }
        }.get()
        return Array(bytes.prefix(filled))
    }

    /// What a file of `mode` (from `stat`) is when it is not a regular file ("a named pipe (FIFO)", "a folder", …),
    /// nil for a regular file.
    public static func nonRegularKind(_ mode: mode_t) -> String? {
        POSIXFile.nonRegularKind(mode)
    }

    /// Checks that `path` can be opened as a regular file for reading, without reading it.
    public static func checkReadable(_ path: String) throws(FileIOError) {
        let (descriptor, _) = try POSIXFile.openForReading(path)
        _ = close(descriptor)
    }
}
