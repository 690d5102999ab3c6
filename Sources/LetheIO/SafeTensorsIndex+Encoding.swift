import Foundation

extension SafeTensorsIndex {
    /// The index as transformers and diffusers write it: Python's `json.dumps(index, indent=2, sort_keys=True)`
    /// followed by a newline (ASCII only, keys sorted by code point). `.other` metadata values are written compact.
    public func encoded() -> [UInt8] {
        var text = "{\n  \"metadata\": "
        text += Self.encodeObject(metadata.mapValues { value in
            switch value {
            case .integer(let number): String(number)
            case .string(let string): SafeTensorsJSON.asciiLiteral(string)
            case .other(let json): json
            }
        })
        text += ",\n  \"weight_map\": "
        text += Self.encodeObject(weightMap.mapValues(SafeTensorsJSON.asciiLiteral))
        text += "\n}\n"
        return Array(text.utf8)
    }

    /// Writes the index atomically to `url`.
    public func write(to url: URL) throws(SafeTensorsError) {
        try FileIOError.converting(SafeTensorsError.init) { () throws(FileIOError) in
            try AtomicFileOutput.write(encoded(), to: url.path)
        }
    }

    /// A nested object at indent level 1, values already encoded.
    private static func encodeObject(_ values: [String: String]) -> String {
        if values.isEmpty { return "{}" }
        let lines = Array(values.keys).sortedByUTF8().map { key in
            "    " + SafeTensorsJSON.asciiLiteral(key) + ": " + (values[key] ?? "null")
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n  }"
    }
}
