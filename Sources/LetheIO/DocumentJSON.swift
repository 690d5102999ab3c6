import Foundation

/// The JSON of the documents Lethe writes for people and tools to read (reports, checkpoint manifests): pretty,
/// keys sorted and in snake_case as Python tools expect, slashes unescaped, a final newline; and read back the same way.
public enum DocumentJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// One object on one line, for a command's `--json` output: keys sorted and in snake_case, slashes unescaped.
    public static func line(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: data)
    }

    /// A JSON string literal for documents written line by line in a fixed key order (`metadata.jsonl`): only `"`,
    /// `\` and control characters escaped, as serde_json and the safetensors header write them.
    public static func stringLiteral(_ text: String) -> String {
        SafeTensorsJSON.compactLiteral(text)
    }
}
