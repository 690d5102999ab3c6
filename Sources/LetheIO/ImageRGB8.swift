/// An 8-bit RGB image: `height` rows of `width` pixels, each three bytes (red, green, blue), stored row by row
/// with no padding (HWC order, like a NumPy `uint8` array of shape `[height, width, 3]` or PIL's "RGB" mode).
public struct ImageRGB8: Sendable, Equatable {
    /// Bytes per pixel.
    public static let channels = 3

    /// Decoders refuse images with more pixels than this (2^28, about 268 megapixels, 805 MB of RGB), so that a
    /// tiny corrupt or malicious header cannot make them allocate without bound.
    public static let maximumPixelCount = 1 << 28

    public let width: Int
    public let height: Int
    /// `height * width * 3` bytes, row-major, channels interleaved.
    public internal(set) var pixels: [UInt8]

    /// An image holding `pixels` (`height * width * 3` bytes, row-major RGB).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width) x \(height)")
        precondition(pixels.count == width * height * Self.channels,
                     "\(width) x \(height) RGB needs \(width * height * Self.channels) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * Self.channels))
    }

    /// An image from RGBA pixels (`height * width * 4` bytes): alpha is dropped without compositing, as PIL's
    /// `convert("RGB")` does.
    public init(width: Int, height: Int, rgbaPixels: [UInt8]) {
        precondition(rgbaPixels.count == width * height * 4,
                     "\(width) x \(height) RGBA needs \(width * height * 4) bytes, got \(rgbaPixels.count)")
        let count = width * height
        let pixels = [UInt8](unsafeUninitializedCapacity: count * Self.channels) { buffer, initialized in
            rgbaPixels.withUnsafeBufferPointer { rgba in
                for index in 0..<count {
                    buffer[index * 3] = rgba[index * 4]
                    buffer[index * 3 + 1] = rgba[index * 4 + 1]
                    buffer[index * 3 + 2] = rgba[index * 4 + 2]
                }
            }
            initialized = count * Self.channels
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// Bytes per row.
    public var rowByteCount: Int { width * Self.channels }

    /// The pixel in column `x` of row `y`.
    public func pixel(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width) x \(height)")
        let index = (y * width + x) * Self.channels
        return (pixels[index], pixels[index + 1], pixels[index + 2])
    }

    /// Throws `tooLarge` when a decoder would have to allocate an image larger than `maximumPixelCount`.
    static func checkSize(
        width: Int, height: Int, source: String, limit: Int = maximumPixelCount
    ) throws(ImageError) {
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || count > limit {
            throw .tooLarge(source: source, width: width, height: height, limit: limit)
        }
    }
}
