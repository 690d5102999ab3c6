extension ImageRGB8 {
    /// Reads a PNG or JPEG file, recognised by its first bytes (not its extension), as 8-bit RGB with the pixels
    /// PIL's `Image.open(path).convert("RGB")` gives (see `PNGDecoder` and `JPEGDecoder` for the details).
    ///
    /// Throws `ImageError` naming `path` when the file cannot be read, is not a PNG or JPEG, is truncated or
    /// corrupt, or is larger than `maximumPixelCount`.
    public init(contentsOfFile path: String) throws(ImageError) {
        let bytes = try FileIOError.converting(ImageError.init) { () throws(FileIOError) in
            try POSIXFile.readAll(path)
        }
        try self.init(decoding: bytes, source: path)
    }

    /// Decodes PNG or JPEG bytes; `source` names the data in error messages.
    public init(decoding data: [UInt8], source: String = "the image data") throws(ImageError) {
        try self.init(decoding: data, source: source, pixelLimit: Self.maximumPixelCount)
    }

    /// Decodes with a lower pixel limit than `maximumPixelCount`. For the fuzz target: a JPEG of a hundred bytes
    /// may declare tens of megapixels that libjpeg pads with gray (as PIL does), which takes seconds under the
    /// sanitizers without being a hang; a lower limit keeps the fuzzer on inputs it can judge.
    package init(decoding data: [UInt8], source: String, pixelLimit: Int) throws(ImageError) {
        let decoded = data.withUnsafeBytes { bytes in
            Result { () throws(ImageError) -> ImageRGB8 in
                switch ImageFormat.detect(bytes) {
                case .png: return try PNGDecoder.decode(bytes, source: source, pixelLimit: pixelLimit)
                case .jpeg: return try JPEGDecoder.decode(bytes, source: source, pixelLimit: pixelLimit)
                case nil: throw .unsupportedFormat(source: source, found: ImageFormat.describeUnrecognised(bytes))
                }
            }
        }
        self = try decoded.get()
    }
}
