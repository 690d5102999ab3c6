import CJPEG

extension ImageRGB8 {
    /// The image as a baseline JPEG from libjpeg with its default settings at `quality` (1–100; 4:2:0 chroma
    /// subsampling, no optimised tables: what PIL's `save(..., quality=q)` asks libjpeg for). Lethe writes PNG;
    /// this is for measuring what JPEG re-compression does to an image (`lethe bench watermark`).
    public func jpegData(quality: Int = 75) throws(ImageError) -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw .invalidArgument(argument: "JPEG quality", detail: "expected 1 to 100, found \(quality)")
        }
        guard width > 0, height > 0, width <= 65500, height <= 65500 else {
            throw .encodingFailed(destination: "JPEG data", format: .jpeg,
                                  detail: "JPEG holds 1 to 65500 pixels a side, the image is \(width) x \(height)")
        }
        guard let encoder = lethe_jpeg_encoder_create() else {
            throw .encodingFailed(destination: "JPEG data", format: .jpeg, detail: "libjpeg could not allocate an encoder")
        }
        defer { lethe_jpeg_encoder_destroy(encoder) }
        let succeeded = pixels.withUnsafeBufferPointer { buffer in
            lethe_jpeg_encode_rgb(encoder, buffer.baseAddress, UInt32(width), UInt32(height), Int32(quality))
        }
        guard succeeded == 1, let output = encoder.pointee.buffer else {
            let message = withUnsafeBytes(of: &encoder.pointee.message) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw .encodingFailed(destination: "JPEG data", format: .jpeg, detail: "libjpeg: \(message)")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(encoder.pointee.size)))
    }
}
