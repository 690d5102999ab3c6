import Foundation

extension CLIPTokenizer {
    /// The `tokenizers` pipeline of transformers 5's CLIP tokenizer (see ``Compatibility/fast``).
    func fastPieces(of text: String) -> [Piece] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [Piece] = []
        for segment in fastTries.raw.leftmostLongestSplit(scalars) {
            let raw = scalars[segment.range]
            if segment.isMatch, let id = addedTokenIDs[BytePairEncoding.ExactText(raw)] {
                pieces.append(.added(id: id, content: String(String.UnicodeScalarView(raw))))
                continue
            }
            let normalized = Self.fastNormalized(raw)
            for part in fastTries.normalized.leftmostLongestSplit(normalized) {
                let partText = normalized[part.range]
                if part.isMatch, let id = fastTries.normalizedIDs[BytePairEncoding.ExactText(partText)] {
                    pieces.append(.added(id: id, content: token(for: id) ?? ""))
                } else {
                    appendFastWordPieces(of: Array(partText), to: &pieces)
                }
            }
        }
        return pieces
    }

    /// The CLIP split regex, then byte-level's GPT-2 regex, which only cuts the special-token literals further
    /// (`<|endoftext|>` becomes `<|`, `endoftext`, `|>`), then BPE.
    private func appendFastWordPieces(of text: [Unicode.Scalar], to pieces: inout [Piece]) {
        for range in Self.preTokenize(text, regexModuleQuirks: false) {
            let word = text[range]
            let words: [ArraySlice<Unicode.Scalar>]
            if word.elementsEqual(Self.startOfTextScalars) || word.elementsEqual(Self.endOfTextScalars) {
                words = [word.prefix(2), word.dropFirst(2).dropLast(2), word.suffix(2)]
            } else {
                words = [word]
            }
            for part in words {
                for symbol in bpe.encode(word: Array(BytePairEncoding.ExactText(part).text.utf8)) {
                    pieces.append(.symbol(symbol))
                }
            }
        }
    }

    /// The fast tokenizer's normaliser: NFC, every run of whitespace to one space, then each character lower-cased
    /// on its own (Rust's `char::to_lowercase`: full mappings, but no final-sigma rule).
    static func fastNormalized(_ text: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var composed = String.UnicodeScalarView()
        composed.append(contentsOf: text)
        let nfc = String(composed).precomposedStringWithCanonicalMapping
        var normalized: [Unicode.Scalar] = []
        normalized.reserveCapacity(text.count)
        var inWhitespace = false
        for scalar in nfc.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inWhitespace { normalized.append(" ") }
                inWhitespace = true
                continue
            }
            inWhitespace = false
            if scalar.value < 0x80 {
                normalized.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar)
            } else {
                normalized.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return normalized
    }
}
