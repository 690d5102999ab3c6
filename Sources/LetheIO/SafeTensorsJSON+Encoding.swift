extension SafeTensorsJSON {
    /// A JSON string literal escaped as serde_json writes it (the safetensors header): only `"`, `\` and control
    /// characters are escaped, short forms where JSON has them, otherwise `\u00xx` in lowercase hex.
    static func compactLiteral(_ text: String) -> String {
        literal(text) { scalar in
            scalar.value < 0x20 ? unicodeEscape(UInt16(scalar.value)) : String(scalar)
        }
    }

    /// A JSON string literal escaped as Python's `json.dumps` writes it by default (`ensure_ascii=True`): every
    /// character outside printable ASCII becomes `\uxxxx`, astral ones as a surrogate pair.
    static func asciiLiteral(_ text: String) -> String {
        literal(text) { scalar in
            (" "..."~").contains(scalar) ? String(scalar) : String(scalar).utf16.map(unicodeEscape).joined()
        }
    }

    /// Quotes `text`, writing JSON's short escapes itself and every other scalar through `other`.
    private static func literal(_ text: String, other: (Unicode.Scalar) -> String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result += other(scalar)
            }
        }
        return result + "\""
    }

    private static func unicodeEscape(_ unit: UInt16) -> String {
        let hex = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
