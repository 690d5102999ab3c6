import CPNG

/// Decodes PNG data with libpng to 8-bit RGB, the pixels PIL's `Image.open(...).convert("RGB")` gives: every
/// colour type and bit depth, palettes, interlacing; alpha and tRNS transparency dropped without compositing;
/// 16-bit samples reduced to their high byte; gamma and colour-profile chunks ignored, as PIL ignores them.
///
/// One deliberate difference: for 16-bit grayscale PIL clips every sample above 255 to 255 (so real 16-bit gray
/// photos come out white); we take the high byte, as PIL does for the other 16-bit colour types.
enum PNGDecoder {
    static func decode(
        _ data: UnsafeRawBufferPointer, source: String, pixelLimit: Int = ImageRGB8.maximumPixelCount
    ) throws(ImageError) -> ImageRGB8 {
        guard let base = data.baseAddress, data.count > 0 else {
            throw .truncated(source: source, format: .png, detail: "the data is empty")
        }
        guard let decoder = lethe_png_decoder_create(base.assumingMemoryBound(to: UInt8.self), data.count) else {
            throw .corrupt(source: source, format: .png, detail: "libpng could not allocate a decoder (out of memory)")
        }
        defer { lethe_png_decoder_destroy(decoder) }

        guard lethe_png_decoder_read_header(decoder) == 1 else { throw failure(of: decoder, source: source) }
        let width = Int(decoder.pointee.width)
        let height = Int(decoder.pointee.height)
        try ImageRGB8.checkSize(width: width, height: height, source: source, limit: pixelLimit)

        let rowByteCount = width * ImageRGB8.channels
        var pixels = [UInt8](repeating: 0, count: rowByteCount * height)
        let succeeded = pixels.withUnsafeMutableBufferPointer { buffer in
            lethe_png_decoder_read_pixels(decoder, buffer.baseAddress, rowByteCount)
        }
        guard succeeded == 1 else { throw failure(of: decoder, source: source) }
        return ImageRGB8(width: width, height: height, pixels: pixels)
    }

    private static func failure(of decoder: UnsafeMutablePointer<lethe_png_decoder>, source: String) -> ImageError {
        let message = withUnsafeBytes(of: &decoder.pointee.message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        if decoder.pointee.reached_end != 0 {
            return .truncated(source: source, format: .png, detail: "the file ends before the image data is complete")
        }
        let detail = message.isEmpty ? "libpng reported an unknown error" : "libpng: \(message)"
        return .corrupt(source: source, format: .png, detail: detail)
    }
}
