import Foundation

extension DecodingError {
    /// The key and the problem of a JSON decoding failure in a short phrase, for errors that name a config file.
    public var explanation: String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : "\"\(keys.joined(separator: "."))\""
        }
        switch self {
        case .typeMismatch(let type, let context):
            return "\(path(context)) should hold a \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) should hold a \(type) but is null"
        case .keyNotFound(let key, _):
            return "the key \"\(key.stringValue)\" is missing"
        case .dataCorrupted(let context):
            return "\(path(context)) is not valid JSON: \(context.debugDescription)"
        @unknown default:
            return "\(self)"
        }
    }
}
