/// A mark hidden in an image's colour by the invisible-watermark package's `dwtDct` method (see `DwtDctMethod`),
/// compatible with that package both ways: an image Lethe marks decodes with its `WatermarkDecoder`, and one it
/// marks decodes here. The mark is a string of bits; the package's watermark types map onto it as follows:
/// 'bytes' (`init(bytes:)`, `init(text:)` for UTF-8 text: each byte's bits, most significant first, as NumPy's
/// unpackbits), 'bits' (`init(bits:)`) and 'b16' (`init(base16:)`, upper-case hex as Python's base64.b16decode).
public struct InvisibleWatermark: Sendable, Equatable, CustomStringConvertible {
    /// Each 0 or 1, in embedding order.
    public let bits: [UInt8]

    /// Images need at least this many pixels (width × height), the package's own rule.
    public static let minimumPixelCount = DwtDctMethod.minimumPixelCount

    public init(bits: [UInt8]) throws(WatermarkError) {
        guard !bits.isEmpty else { throw .invalidMark("a mark needs at least one bit") }
        guard bits.allSatisfy({ $0 <= 1 }) else { throw .invalidMark("bits must be 0 or 1") }
        self.bits = bits
    }

    /// The package's 'bytes' type.
    public init(bytes: [UInt8]) throws(WatermarkError) {
        try self.init(bits: Self.unpack(bytes))
    }

    /// A mark from constant bytes known to be valid (the known marks).
    init(constant bytes: [UInt8]) {
        precondition(!bytes.isEmpty, "a constant mark with no bytes")
        bits = Self.unpack(bytes)
    }

    /// Each byte's bits, most significant first, as NumPy's unpackbits.
    private static func unpack(_ bytes: [UInt8]) -> [UInt8] {
        bytes.flatMap { byte in (0..<8).map { UInt8((byte >> (7 - $0)) & 1) } }
    }

    /// UTF-8 text as 'bytes', as Stable Diffusion's scripts mark theirs (`"StableDiffusionV1".encode('utf-8')`).
    public init(text: String) throws(WatermarkError) {
        guard !text.isEmpty else { throw .invalidMark("the text is empty") }
        try self.init(bytes: Array(text.utf8))
    }

    /// A string of '0' and '1' characters, as the package's 'bits' type takes a list of them.
    public init(bitString: String) throws(WatermarkError) {
        var bits: [UInt8] = []
        for character in bitString {
            switch character {
            case "0": bits.append(0)
            case "1": bits.append(1)
            default: throw .invalidMark("'\(String(bitString.prefix(200)))' has a character other than 0 and 1")
            }
        }
        try self.init(bits: bits)
    }

    /// The package's 'b16' type: hex digits, two per byte, upper case (Python's base64.b16decode refuses lower case).
    public init(base16: String) throws(WatermarkError) {
        let digits = Array(base16.utf8)
        guard digits.count % 2 == 0, digits.allSatisfy({ (48...57).contains($0) || (65...70).contains($0) }) else {
            throw .invalidMark("'\(String(base16.prefix(200)))' is not an even number of upper-case hex digits")
        }
        let values = digits.map { $0 <= 57 ? $0 - 48 : $0 - 55 }
        try self.init(bytes: stride(from: 0, to: values.count, by: 2).map { values[$0] << 4 | values[$0 + 1] })
    }

    /// The bits packed into bytes, most significant first, when they fill whole bytes.
    public var bytes: [UInt8]? { WatermarkReading.pack(bits) }

    /// The mark as text when its bytes are UTF-8 without control characters, else nil.
    public var text: String? { bytes.flatMap(WatermarkReading.printableText) }

    public var description: String {
        if let text { return "\"\(text)\" (\(bits.count) bits)" }
        return "\(bits.count) bits \(bits.map(String.init).joined())"
    }

    /// Whether a `width` × `height` image can hold this mark: enough pixels for the method and a block per bit.
    public func fits(width: Int, height: Int) -> Bool {
        width * height >= Self.minimumPixelCount && DwtDctMethod.blockCount(width: width, height: height) >= bits.count
    }

    /// `image` with the mark embedded, byte for byte what the package's `WatermarkEncoder.encode(image, 'dwtDct')`
    /// gives for the same image in BGR order. `source` names the image in errors.
    public func embedded(in image: ImageRGB8, source: String = "the image") throws(WatermarkError) -> ImageRGB8 {
        try Self.checkSize(of: image, bits: bits.count, source: source)
        return DwtDctMethod.embed(bits, in: image)
    }

    /// Reads `length` bits from `image` as the package's `WatermarkDecoder(..., length).decode(image, 'dwtDct')`.
    public static func read(
        _ image: ImageRGB8, length: Int, source: String = "the image"
    ) throws(WatermarkError) -> WatermarkReading {
        guard length >= 1 else { throw .invalidMark("the length to read must be at least 1 bit, got \(length)") }
        try checkSize(of: image, bits: length, source: source)
        let (ones, counts) = DwtDctMethod.votes(length: length, in: image)
        return WatermarkReading(ones: ones, counts: counts)
    }

    private static func checkSize(of image: ImageRGB8, bits: Int, source: String) throws(WatermarkError) {
        guard image.width * image.height >= minimumPixelCount else {
            throw .imageTooSmall(source: source, width: image.width, height: image.height)
        }
        let blocks = DwtDctMethod.blockCount(width: image.width, height: image.height)
        guard blocks >= bits else {
            throw .markTooLong(source: source, width: image.width, height: image.height, bits: bits, blocks: blocks)
        }
    }
}
