import CJPEG

/// Decodes JPEG data with libjpeg(-turbo) to 8-bit RGB, the pixels PIL's `Image.open(...).convert("RGB")` gives:
/// baseline, progressive and arithmetic-coded files; YCbCr, RGB and grayscale through libjpeg's own colour
/// conversion (PIL uses the same library and the same default settings); CMYK and YCCK through PIL's CMYK
/// conversion. EXIF orientation is not applied, as `Image.open` does not apply it.
///
/// libjpeg fills a file that ends early with gray and only warns; like PIL, we refuse it as truncated.
enum JPEGDecoder {
    static func decode(
        _ data: UnsafeRawBufferPointer, source: String, pixelLimit: Int = ImageRGB8.maximumPixelCount
    ) throws(ImageError) -> ImageRGB8 {
        guard let base = data.baseAddress, data.count > 0 else {
            throw .truncated(source: source, format: .jpeg, detail: "the data is empty")
        }
        guard let decoder = lethe_jpeg_decoder_create() else {
            throw .corrupt(source: source, format: .jpeg, detail: "libjpeg could not allocate a decoder (out of memory)")
        }
        defer { lethe_jpeg_decoder_destroy(decoder) }

        let size = UInt(data.count)
        switch lethe_jpeg_decoder_start(decoder, base.assumingMemoryBound(to: UInt8.self), size, UInt64(pixelLimit)) {
        case 1: break
        case 2:
            // Refused from the header alone, before libjpeg allocates for the whole image.
            try ImageRGB8.checkSize(width: Int(decoder.pointee.cinfo.image_width), height: Int(decoder.pointee.cinfo.image_height),
                                    source: source, limit: pixelLimit)
            throw .corrupt(source: source, format: .jpeg, detail: "its header declares more pixels than allowed")
        default: throw failure(of: decoder, source: source)
        }
        let width = Int(decoder.pointee.cinfo.output_width)
        let height = Int(decoder.pointee.cinfo.output_height)
        let components = Int(decoder.pointee.output_components)
        try ImageRGB8.checkSize(width: width, height: height, source: source, limit: pixelLimit)
        guard components == 3 || components == 4 else {
            throw .unsupportedFeature(source: source, format: .jpeg,
                                      detail: "libjpeg produced \(components) colour components, expected 3 or 4")
        }

        let rowByteCount = width * components
        var decoded = [UInt8](repeating: 0, count: rowByteCount * height)
        let succeeded = decoded.withUnsafeMutableBufferPointer { buffer in
            lethe_jpeg_decoder_read_pixels(decoder, buffer.baseAddress, rowByteCount)
        }
        guard succeeded == 1 else { throw failure(of: decoder, source: source) }
        if components == 3 { return ImageRGB8(width: width, height: height, pixels: decoded) }
        return ImageRGB8(width: width, height: height, pixels: rgbFromStoredCMYK(decoded, pixelCount: width * height))
    }

    /// PIL's conversion of the CMYK a JPEG stores: PIL always reads JPEG CMYK inverted (Adobe's convention),
    /// then `convert("RGB")` computes each channel as `k - round(c * k / 255)` with c and k the stored values
    /// inverted back, in integer arithmetic: `nk - MULDIV255(c', nk)` with `c' = 255 - stored c`, `nk = stored k`.
    static func rgbFromStoredCMYK(_ cmyk: [UInt8], pixelCount: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { rgb, initialized in
            cmyk.withUnsafeBufferPointer { cmyk in
                for index in 0..<pixelCount {
                    let blackLevel = Int(cmyk[index * 4 + 3])
                    for channel in 0..<3 {
                        let ink = 255 - Int(cmyk[index * 4 + channel])
                        let product = ink * blackLevel + 128
                        let scaled = ((product >> 8) + product) >> 8
                        rgb[index * 3 + channel] = UInt8(clamping: blackLevel - scaled)
                    }
                }
            }
            initialized = pixelCount * 3
        }
    }

    private static func failure(of decoder: UnsafeMutablePointer<lethe_jpeg_decoder>, source: String) -> ImageError {
        let message = withUnsafeBytes(of: &decoder.pointee.message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        if decoder.pointee.truncated != 0 {
            return .truncated(source: source, format: .jpeg, detail: "the file ends before the image data is complete")
        }
        let detail = message.isEmpty ? "libjpeg reported an unknown error" : "libjpeg: \(message)"
        if decoder.pointee.unsupported != 0 {
            return .unsupportedFeature(source: source, format: .jpeg, detail: detail)
        }
        return .corrupt(source: source, format: .jpeg, detail: detail)
    }
}
