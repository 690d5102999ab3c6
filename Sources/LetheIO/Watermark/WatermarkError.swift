/// Why a watermark could not be made, embedded or read. Each description is a sentence naming the image or value.
public enum WatermarkError: Error, CustomStringConvertible, Equatable {
    /// The image has fewer pixels than the method needs (`DwtDctMethod.minimumPixelCount`).
    case imageTooSmall(source: String, width: Int, height: Int)
    /// The image has fewer blocks than the mark has bits, so some bits would have nowhere to go.
    case markTooLong(source: String, width: Int, height: Int, bits: Int, blocks: Int)
    /// A mark with no bits, or a text, bit string or hex string that does not describe one.
    case invalidMark(String)

    public var description: String {
        switch self {
        case let .imageTooSmall(source, width, height):
            return "\(source) is \(width) x \(height) pixels; the invisible watermark needs at least 65536 pixels "
                + "(width x height, e.g. 256 x 256), as the invisible-watermark package's dwtDct method does."
        case let .markTooLong(source, width, height, bits, blocks):
            return "\(source) (\(width) x \(height) pixels) has \(blocks) blocks to carry a mark, fewer than its \(bits) bits."
        case let .invalidMark(detail):
            return "Invalid watermark: \(detail)."
        }
    }
}
