import Foundation
import LetheIO

extension CLIPTokenizer {
    /// The part of `text` that ``encode(_:padding:truncation:)`` drops to fit ``maxLength`` tokens, decoded as
    /// transformers' `decode` does (byte symbols back to UTF-8, `</w>` as a space, trimmed); nil when nothing is
    /// dropped. diffusers' pipeline warns with this text.
    public func truncatedPart(of text: String) -> String? {
        let ids = encode(text, padding: .none, truncation: false).inputIDs
        // Start token, maxLength − 2 prompt tokens, end token.
        guard ids.count > maxLength else { return nil }
        return decode(ids[(maxLength - 1)..<(ids.count - 1)])
    }

    /// The text of token ids as transformers' `decode` gives it: byte symbols back to UTF-8 (invalid sequences as
    /// U+FFFD), added tokens as written, `</w>` as a space, trimmed.
    public func decode(_ ids: some Sequence<Int>) -> String {
        var bytes: [UInt8] = []
        for id in ids {
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

    /// The warning diffusers' pipeline prints when `text` is cut to ``maxLength`` tokens, naming the option it came
    /// from and quoting (up to 200 characters of) what was cut; nil when nothing is cut. Every command that feeds
    /// prompts to the text encoder (generation and the erasure methods) warns with it.
    public func truncationWarning(for text: String, argument: String) -> String? {
        guard let cut = truncatedPart(of: text) else { return nil }
        return "\(argument): the following part of your input was truncated because CLIP can only handle sequences "
            + "up to \(maxLength) tokens: \(ErrorText.capped(cut))"
    }
}
