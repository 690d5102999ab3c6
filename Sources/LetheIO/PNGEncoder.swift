import CPNG

/// Encodes 8-bit RGB images as PNG with libpng: non-interlaced, 8 bits per channel, colour type RGB, and only
/// the IHDR, IDAT and IEND chunks (what PIL's default `save` writes). PIL decodes the result to the same pixels.
enum PNGEncoder {
    /// zlib's default level, which PIL also uses.
    static let defaultCompressionLevel = 6

    static func encode(
        _ image: ImageRGB8, compressionLevel: Int, destination: String
    ) throws(ImageError) -> [UInt8] {
        guard (0...9).contains(compressionLevel) else {
            throw .invalidArgument(
                argument: "PNG compression level", detail: "expected 0 to 9, found \(compressionLevel)")
        }
        guard image.width > 0, image.height > 0 else {
            throw .encodingFailed(destination: destination, format: .png,
                                  detail: "PNG cannot store an empty \(image.width) x \(image.height) image")
        }
        guard image.width <= Int(UInt32.max) / 4, image.height <= Int(UInt32.max) / 4 else {
            throw .encodingFailed(destination: destination, format: .png,
                                  detail: "\(image.width) x \(image.height) exceeds PNG's size limit")
        }
        var output = lethe_png_encoded()
        defer { lethe_png_encoded_free(&output) }
        let succeeded = image.pixels.withUnsafeBufferPointer { pixels in
            lethe_png_encode_rgb8(pixels.baseAddress, UInt32(image.width), UInt32(image.height),
                                  image.rowByteCount, Int32(compressionLevel), &output)
        }
        guard succeeded == 1, let data = output.data else {
            let message = withUnsafeBytes(of: &output.message) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw .encodingFailed(destination: destination, format: .png, detail: "libpng: \(message)")
        }
        return Array(UnsafeBufferPointer(start: data, count: output.size))
    }
}
