extension ImageRGB8 {
    /// This image as PNG bytes (8-bit RGB, not interlaced, zlib level `compressionLevel` from 0 to 9; PIL's
    /// default is 6).
    public func pngData(compressionLevel: Int = 6) throws(ImageError) -> [UInt8] {
        try PNGEncoder.encode(self, compressionLevel: compressionLevel, destination: "PNG data")
    }

    /// Writes this image as a PNG file, atomically: the bytes go to a temporary file in the same directory,
    /// which is then renamed to `path`, so `path` never holds a partial image.
    public func writePNG(toFile path: String, compressionLevel: Int = 6) throws(ImageError) {
        let data = try PNGEncoder.encode(self, compressionLevel: compressionLevel, destination: path)
        try FileIOError.converting(ImageError.init) { () throws(FileIOError) in
            try AtomicFileOutput.write(data, to: path)
        }
    }
}
