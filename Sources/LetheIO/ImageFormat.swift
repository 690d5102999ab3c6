/// The image file formats Lethe reads, recognised by their first bytes rather than by file name.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png
    case jpeg

    /// The name used in messages ("PNG", "JPEG").
    public var displayName: String { rawValue.uppercased() }

    /// The format whose signature `bytes` starts with, or nil.
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        if bytes.starts(with: pngSignature) { return .png }
        // SOI marker followed by the first byte of the next marker.
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// The eight bytes every PNG file starts with.
    public static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A short account of what unrecognised data looks like, for error messages: another image format's name
    /// when its signature is known, otherwise the first bytes.
    static func describeUnrecognised(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.isEmpty { return "the data is empty" }
        let known: [(prefix: [UInt8], name: String)] = [
            (Array("GIF8".utf8), "GIF"), (Array("BM".utf8), "BMP"), ([0x49, 0x49, 0x2A, 0x00], "TIFF"),
            ([0x4D, 0x4D, 0x00, 0x2A], "TIFF"), ([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50], "JPEG 2000"),
        ]
        for (prefix, name) in known where bytes.starts(with: prefix) {
            return "it looks like a \(name) file, which is not supported"
        }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)),
           Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return "it looks like a WebP file, which is not supported"
        }
        let head = bytes.prefix(8).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + hex : hex
        }
        return "its first bytes are \(head.joined(separator: " ")) (neither the PNG nor the JPEG signature)"
    }
}
