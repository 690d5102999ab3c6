/// The header of a `.npy` file: a magic string, a format version, and a Python dict literal giving the dtype
/// descriptor, the memory order and the shape (numpy.lib.format).
struct NumPyHeader: Equatable {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// numpy aligns the data to this many bytes.
    static let alignment = 64
    /// numpy pads the header with spaces so the first axis could grow to this many digits in place.
    static let growthAxisMaximumDigits = 21

    var descriptor: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Magic, version, header length and the padded dict, byte for byte as `np.save` writes them: version 1.0
    /// (2.0 only for a header longer than 65535 bytes), keys in sorted order, the shape as Python's `repr` of a
    /// tuple, spare spaces for the first axis, then spaces and a newline up to a multiple of 64 bytes.
    func encoded() -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(descriptor)', 'fortran_order': \(fortranOrder ? "True" : "False"), "
            + "'shape': \(shapeText), }"
        if let growthAxis = fortranOrder ? shape.last : shape.first {
            dict += String(repeating: " ", count: max(0, Self.growthAxisMaximumDigits - String(growthAxis).count))
        }
        let dictBytes = Array(dict.utf8)
        // Length of dict, spaces and newline for a prefix of `prefixLength` bytes; like numpy, a full block of
        // padding when the dict already ends on a boundary.
        func paddedLength(prefixLength: Int) -> Int {
            let unpadded = dictBytes.count + 1
            return unpadded + Self.alignment - (prefixLength + unpadded) % Self.alignment
        }
        var version: UInt8 = 1
        var length = paddedLength(prefixLength: Self.magic.count + 2 + 2)
        if length > Int(UInt16.max) {
            version = 2
            length = paddedLength(prefixLength: Self.magic.count + 2 + 4)
        }
        let text = dictBytes + [UInt8](repeating: 0x20, count: length - dictBytes.count - 1) + [0x0A]
        let lengthBytes = version == 1 ? 2 : 4
        let bytes = Self.magic + [version, 0] + (0..<lengthBytes).map { UInt8((length >> (8 * $0)) & 0xFF) }
        return bytes + text
    }

    /// Parses the header at the start of `bytes`, returning it and the offset of the array data.
    static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(NumPyError) -> (NumPyHeader, Int) {
        guard bytes.count >= magic.count + 4, bytes.starts(with: magic) else {
            throw .invalidHeader(source: source, detail: "it does not start with the magic string \\x93NUMPY")
        }
        let major = bytes[6]
        let lengthSize: Int
        switch major {
        case 1: lengthSize = 2
        case 2, 3: lengthSize = 4
        default:
            throw .unsupported(source: source, detail: "format version \(major).\(bytes[7]) (expected 1.0, 2.0 or 3.0)")
        }
        guard bytes.count >= 8 + lengthSize else {
            throw .invalidHeader(source: source, detail: "the file ends inside the header length")
        }
        var headerLength = 0
        for index in 0..<lengthSize { headerLength |= Int(bytes[8 + index]) << (8 * index) }
        let start = 8 + lengthSize
        guard headerLength <= bytes.count - start else {
            throw .invalidHeader(
                source: source,
                detail: "the header is said to be \(headerLength) bytes but the file has \(bytes.count - start) left")
        }
        let text = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        var parser = NumPyHeaderParser(text: text, source: source)
        let header = try parser.parseDictionary()
        return (header, start + headerLength)
    }
}
