import Foundation

/// The index of a sharded checkpoint (`model.safetensors.index.json`,
/// `diffusion_pytorch_model.safetensors.index.json`): `{"metadata": {...}, "weight_map": {tensor: shard file}}`.
public struct SafeTensorsIndex: Equatable, Sendable {
    /// The suffix of index file names.
    public static let fileNameSuffix = ".safetensors.index.json"

    /// Whether a file name is a shard index: `NAME.safetensors.index.json`, or diffusers' variant form
    /// `NAME.safetensors.index.VARIANT.json` (e.g. `diffusion_pytorch_model.safetensors.index.fp16.json`).
    public static func isIndexFileName(_ name: String) -> Bool {
        if name.hasSuffix(fileNameSuffix) { return true }
        guard name.hasSuffix(".json"), let marker = name.range(of: ".safetensors.index.") else { return false }
        let variant = name[marker.upperBound..<name.index(name.endIndex, offsetBy: -".json".count)]
        return !variant.isEmpty && !variant.contains(".")
    }

    /// A value of the index's `metadata` object (transformers and diffusers write integers such as `total_size`).
    public enum MetadataValue: Equatable, Sendable, CustomStringConvertible {
        case integer(Int)
        case string(String)
        /// Any other JSON value, kept as its compact JSON text.
        case other(json: String)

        public var description: String {
            switch self {
            case .integer(let value): String(value)
            case .string(let value): value
            case .other(let json): json
            }
        }
    }

    public var metadata: [String: MetadataValue]
    /// Tensor name → shard file name (relative to the index's folder).
    public var weightMap: [String: String]

    public init(metadata: [String: MetadataValue] = [:], weightMap: [String: String]) {
        self.metadata = metadata
        self.weightMap = weightMap
    }

    /// The `total_size` entry of the metadata (the byte count of all tensors), if present.
    public var totalSize: Int? {
        if case .integer(let value) = metadata["total_size"] { return value }
        return nil
    }

    /// The distinct shard file names, sorted.
    public var shardNames: [String] { Array(Set(weightMap.values)).sortedByUTF8() }

    /// Reads and parses the index at `url` (shards are not checked; `SafeTensorsCollection` does that).
    public static func load(from url: URL) throws(SafeTensorsError) -> SafeTensorsIndex {
        let mapping = try MappedFile(path: url.path)
        return try SafeTensorsIndex(json: mapping.bytes, path: url.path)
    }

    /// Parses index JSON; `path` is used in error messages.
    public init(json bytes: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) {
        func invalid(_ reason: String) -> SafeTensorsError { .invalidIndex(path: path, reason: reason) }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw invalid("it is not valid UTF-8") }
        let json: SafeTensorsJSON
        do {
            json = try SafeTensorsJSONParser.parse(bytes)
        } catch {
            throw invalid("it is not valid JSON: \(error.description)")
        }
        guard case .object(let members) = json else { throw invalid("expected a JSON object, found \(json.kindName)") }
        var sections: [String: SafeTensorsJSON] = [:]
        for (key, value) in members {
            guard sections.updateValue(value, forKey: key) == nil else { throw invalid("key '\(key)' is given twice") }
        }

        var metadata: [String: MetadataValue] = [:]
        switch sections["metadata"] {
        case nil, .null?:
            break
        case .object(let entries)?:
            for (key, value) in entries {
                let converted: MetadataValue = switch value {
                case .string(let text): .string(text)
                case .number(let text) where Int(text) != nil: .integer(Int(text) ?? 0)
                default: .other(json: Self.compactText(value))
                }
                guard metadata.updateValue(converted, forKey: key) == nil else {
                    throw invalid("metadata key '\(key)' is given twice")
                }
            }
        case let other?:
            throw invalid("'metadata' must be an object, found \(other.kindName)")
        }

        guard let mapValue = sections["weight_map"] else { throw invalid("it has no 'weight_map'") }
        guard case .object(let entries) = mapValue else { throw invalid("'weight_map' must be an object, found \(mapValue.kindName)") }
        var weightMap: [String: String] = [:]
        for (tensor, value) in entries {
            guard case .string(let shard) = value else {
                throw invalid("the shard of tensor '\(tensor)' must be a string, found \(value.kindName)")
            }
            guard Self.isPlainRelativePath(shard) else {
                throw invalid("shard '\(shard)' of tensor '\(tensor)' must be a relative path inside the index's folder")
            }
            guard weightMap.updateValue(shard, forKey: tensor) == nil else { throw invalid("tensor '\(tensor)' is listed twice") }
        }
        self.init(metadata: metadata, weightMap: weightMap)
    }

    /// True for a non-empty relative path without `..` components.
    static func isPlainRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    }

    private static func compactText(_ value: SafeTensorsJSON) -> String {
        switch value {
        case .object(let members):
            return "{" + members.map { SafeTensorsJSON.compactLiteral($0.key) + ":" + compactText($0.value) }.joined(separator: ",") + "}"
        case .array(let elements):
            return "[" + elements.map(compactText).joined(separator: ",") + "]"
        case .string(let text): return SafeTensorsJSON.compactLiteral(text)
        case .number(let text): return text
        case .bool(let value): return String(value)
        case .null: return "null"
        }
    }
}
