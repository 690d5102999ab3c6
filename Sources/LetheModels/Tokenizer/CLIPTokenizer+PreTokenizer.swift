extension CLIPTokenizer {
    /// CLIP's pre-tokenisation regex, evaluated by hand as Python's `regex` module does with `IGNORECASE`:
    ///
    ///     <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
    ///
    /// At each position the alternatives are tried in order and the first that matches is taken (`findall`);
    /// positions where none matches (whitespace) are skipped.
    ///
    /// - Parameter regexModuleQuirks: the slow tokenizer's `regex` module with `IGNORECASE` lets the literal `s`
    ///   match `ſ` (U+017F, which case-folds to `s`), and U+0345 (combining ypogegrammeni, which case-folds to the
    ///   letter ι) matches neither `[\p{L}]` nor its negation, so it is skipped like whitespace. The fast
    ///   tokenizer's Oniguruma regex has no such flag: `ſ` is a letter and U+0345 a non-letter.
    static func preTokenize(_ text: [Unicode.Scalar], regexModuleQuirks: Bool) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var position = 0
        while position < text.count {
            let scalar = text[position]
            if scalar == "<" {
                if let end = matchLiteral(startOfTextScalars, in: text, at: position, folding: regexModuleQuirks)
                    ?? matchLiteral(endOfTextScalars, in: text, at: position, folding: regexModuleQuirks)
                {
                    words.append(position..<end)
                    position = end
                    continue
                }
            } else if scalar == "'" {
                if let end = matchContraction(in: text, at: position, folding: regexModuleQuirks) {
                    words.append(position..<end)
                    position = end
                    continue
                }
            }
            let kind = characterClass(scalar, regexModuleQuirks: regexModuleQuirks)
            switch kind {
            case .letter, .other:
                var end = position + 1
                while end < text.count, characterClass(text[end], regexModuleQuirks: regexModuleQuirks) == kind {
                    end += 1
                }
                words.append(position..<end)
                position = end
            case .number:
                words.append(position..<(position + 1))
                position += 1
            case .separator:
                position += 1
            }
        }
        return words
    }

    enum CharacterClass {
        /// `\p{L}`.
        case letter
        /// `\p{N}`.
        case number
        /// `\s`, and U+0345, which no alternative matches.
        case separator
        /// `[^\s\p{L}\p{N}]`.
        case other
    }

    static func characterClass(_ scalar: Unicode.Scalar, regexModuleQuirks: Bool) -> CharacterClass {
        let value = scalar.value
        if value < 0x80 {
            switch value {
            case 0x61...0x7A, 0x41...0x5A: return .letter
            case 0x30...0x39: return .number
            case 0x09...0x0D, 0x20: return .separator
            default: return .other
            }
        }
        if value == 0x345 && regexModuleQuirks { return .separator }
        let properties = scalar.properties
        if properties.isWhitespace { return .separator }
        // `tokenizers`' Oniguruma tables stop at Unicode 16: a letter or digit first assigned later (CJK extension J
        // in Unicode 17, which Swift knows) is unassigned there, so it matches `[^\s\p{L}\p{N}]`.
        if !regexModuleQuirks, let age = properties.age,
            age.major > fastUnicodeVersion.major
                || (age.major == fastUnicodeVersion.major && age.minor > fastUnicodeVersion.minor)
        {
            return .other
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// The Unicode version of the `tokenizers` regex engine's character classes (see ``characterClass(_:regexModuleQuirks:)``).
    static let fastUnicodeVersion: Unicode.Version = (major: 16, minor: 0)

    static let startOfTextScalars = Array(CLIPTokenizer.startOfText.unicodeScalars)
    static let endOfTextScalars = Array(CLIPTokenizer.endOfText.unicodeScalars)
    /// The contraction alternatives, in the regex's order.
    private static let contractions: [[Unicode.Scalar]] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map {
        Array($0.unicodeScalars)
    }

    private static func matchContraction(in text: [Unicode.Scalar], at position: Int, folding: Bool) -> Int? {
        for literal in contractions {
            if let end = matchLiteral(literal, in: text, at: position, folding: folding) { return end }
        }
        return nil
    }

    /// The end of `literal` matched at `position` (case-insensitively when `folding`), or nil.
    private static func matchLiteral(
        _ literal: [Unicode.Scalar], in text: [Unicode.Scalar], at position: Int, folding: Bool
    ) -> Int? {
        guard position + literal.count <= text.count else { return nil }
        for (offset, expected) in literal.enumerated() {
            let scalar = text[position + offset]
            if scalar != expected && !(folding && caseInsensitiveEqual(scalar, expected)) { return nil }
        }
        return position + literal.count
    }

    /// Equality under the `regex` module's simple case folding, for the ASCII characters of CLIP's literals.
    private static func caseInsensitiveEqual(_ scalar: Unicode.Scalar, _ expected: Unicode.Scalar) -> Bool {
        if scalar == expected { return true }
        guard ("a"..."z").contains(expected) else { return false }
        if scalar.value == expected.value - 32 { return true }
        return expected == "s" && scalar == "\u{017F}"
    }
}
