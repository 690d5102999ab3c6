/// Failures of image decoding, encoding, file access and image operations. Each description is a full sentence
/// naming the file (or data) and what was expected versus found.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// Opening, reading, writing or renaming `path` failed with `errno`.
    case io(operation: String, path: String, errno: Int32, message: String)
    /// The data is not a PNG or JPEG image (detected from its first bytes, not its name).
    case unsupportedFormat(source: String, found: String)
    /// The data ends before the image is complete.
    case truncated(source: String, format: ImageFormat, detail: String)
    /// The data is damaged or not valid for its format.
    case corrupt(source: String, format: ImageFormat, detail: String)
    /// The image is valid but uses a feature this decoder does not support.
    case unsupportedFeature(source: String, format: ImageFormat, detail: String)
    /// The image has more pixels than `ImageRGB8.maximumPixelCount`.
    case tooLarge(source: String, width: Int, height: Int, limit: Int)
    /// The codec failed while encoding an image for `destination`.
    case encodingFailed(destination: String, format: ImageFormat, detail: String)
    /// An argument of an image operation is out of range (`argument` names it).
    case invalidArgument(argument: String, detail: String)
    /// A tensor does not have the shape an image conversion needs.
    case invalidTensor(expected: String, found: [Int])

    public var description: String {
        switch self {
        case let .io(operation, path, code, message):
            return "\(operation) \(path) failed: \(message) (errno \(code))."
        case let .unsupportedFormat(source, found):
            return "\(source) is not a PNG or JPEG image: \(found)."
        case let .truncated(source, format, detail):
            return "The \(format.displayName) image \(source) is truncated: \(detail)."
        case let .corrupt(source, format, detail):
            return "The \(format.displayName) image \(source) is corrupt: \(detail)."
        case let .unsupportedFeature(source, format, detail):
            return "The \(format.displayName) image \(source) uses an unsupported feature: \(detail)."
        case let .tooLarge(source, width, height, limit):
            return "The image \(source) is \(width) x \(height) pixels, more than the limit of \(limit) pixels."
        case let .encodingFailed(destination, format, detail):
            return "Encoding a \(format.displayName) image for \(destination) failed: \(detail)."
        case let .invalidArgument(argument, detail):
            return "Invalid \(argument): \(detail)."
        case let .invalidTensor(expected, found):
            return "Expected a tensor of shape \(expected), found shape \(found)."
        }
    }
}
