import Foundation

extension CLIPTokenizer {
    /// The part of `text` that ``encode(_:padding:truncation:)`` drops to fit ``maxLength`` tokens, decoded as
    /// transformers' `decode` does (byte symbols back to UTF-8, `</w>` as a space, trimmed); nil when nothing is
    /// dropped. diffusers' pipeline warns with this text.
    public func truncatedPart(of text: String) -> String? {
        let ids = encode(text, padding: .none, truncation: false).inputIDs
        // Start token, maxLength − 2 prompt tokens, end token.
        guard ids.count > maxLength else { return nil }
        var bytes: [UInt8] = []
        for id in ids[(maxLength - 1)..<(ids.count - 1)] {
            guard let token = token(for: id) else { continue }
            if let added = addedTokensByID[id] {
                bytes += Array(added.content.utf8)
                continue
            }
            for scalar in token.unicodeScalars {
                if let byte = BytePairEncoding.bytesBySymbol[scalar] { bytes.append(byte) } else { bytes += Array(String(scalar).utf8) }
            }
        }
        let decoded = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "</w>", with: " ")
        return decoded.trimmingCharacters(in: .whitespaces)
    }
}
