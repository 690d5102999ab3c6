import Foundation

extension CLIPTokenizer {
    /// transformers' `BasicTokenizer(strip_accents=False, do_split_on_punc=False)` as the ftfy-less slow CLIP
    /// tokenizer runs it, except for the final split on whitespace (the pre-tokeniser skips whitespace anyway):
    /// drop NUL, U+FFFD and `C*` characters other than tab/newline/return, turn whitespace into spaces, put spaces
    /// around CJK ideographs, compose to NFC and lower-case like Python's `str.lower`.
    ///
    /// - Parameter unicodeVersion: when set, characters assigned after this Unicode version count as unassigned
    ///   (and so are dropped), as they are for a Python whose `unicodedata` has that version.
    static func basicCleanup(
        _ text: ArraySlice<Unicode.Scalar>, unicodeVersion: Unicode.Version?
    ) -> [Unicode.Scalar] {
        var cleaned = String.UnicodeScalarView()
        var isASCII = true
        for scalar in text {
            let value = scalar.value
            if value == 0 || value == 0xFFFD || isControl(scalar) { continue }
            if let unicodeVersion, value >= 0x80, isNewer(scalar, than: unicodeVersion) { continue }
            if isBasicWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJKIdeograph(value) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
                isASCII = false
            } else {
                cleaned.append(scalar)
                if value >= 0x80 { isASCII = false }
            }
        }
        if isASCII {
            return cleaned.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32) ?? $0 : $0 }
        }
        let composed = String(cleaned).precomposedStringWithCanonicalMapping
        return pythonLowercased(Array(composed.unicodeScalars))
    }

    /// transformers' `_is_control`: every `C*` category except tab, newline and carriage return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default: break
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// Whether `scalar` was assigned after `version` (or is unassigned).
    static func isNewer(_ scalar: Unicode.Scalar, than version: Unicode.Version) -> Bool {
        guard let age = scalar.properties.age else { return true }
        return age.major > version.major || (age.major == version.major && age.minor > version.minor)
    }

    /// transformers' `_is_whitespace`: space, tab, newline, carriage return and the `Zs` category.
    static func isBasicWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": return true
        default: return scalar.properties.generalCategory == .spaceSeparator
        }
    }

    /// transformers' `_is_chinese_char`: the CJK Unified Ideographs blocks and their compatibility blocks.
    static func isCJKIdeograph(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }

    /// Python's `str.lower()`: the full lower-case mapping, and capital sigma becomes final sigma (ς) when a cased
    /// letter precedes it and none follows (case-ignorable characters skipped on both sides).
    static func pythonLowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var lowered = [Unicode.Scalar]()
        lowered.reserveCapacity(scalars.count)
        for (index, scalar) in scalars.enumerated() {
            if scalar.value < 0x80 {
                lowered.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar)
            } else if scalar == "\u{03A3}" {
                lowered.append(isFinalSigma(at: index, in: scalars) ? "\u{03C2}" : "\u{03C3}")
            } else {
                lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return lowered
    }

    /// CPython's `handle_capital_sigma`.
    private static func isFinalSigma(at index: Int, in scalars: [Unicode.Scalar]) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }

    /// Python's `str.isspace()` (categories `Zs` and bidirectional classes WS, B, S), for `lstrip`/`rstrip`.
    static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
