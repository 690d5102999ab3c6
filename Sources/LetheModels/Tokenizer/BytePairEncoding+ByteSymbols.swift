extension BytePairEncoding {
    /// GPT-2/CLIP's reversible byte-to-character map (`bytes_to_unicode`): printable Latin-1 bytes stand for
    /// themselves, the other bytes take the characters from U+0100 on, in byte order.
    static let byteSymbols: [Unicode.Scalar] = {
        func isPrintable(_ byte: Int) -> Bool {
            (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
        }
        var symbols = [Unicode.Scalar]()
        symbols.reserveCapacity(256)
        var next: UInt32 = 0x100
        for byte in 0..<256 {
            if isPrintable(byte) {
                symbols.append(Unicode.Scalar(UInt8(byte)))
            } else {
                // 0x100 + 68 at most: always a valid scalar.
                symbols.append(Unicode.Scalar(next) ?? "?")
                next += 1
            }
        }
        return symbols
    }()

    /// The inverse map, for turning token text back into bytes.
    static let bytesBySymbol: [Unicode.Scalar: UInt8] = {
        var map = [Unicode.Scalar: UInt8]()
        for (byte, symbol) in byteSymbols.enumerated() { map[symbol] = UInt8(byte) }
        return map
    }()
}
