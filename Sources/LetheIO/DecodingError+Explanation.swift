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

extension DecodingError {
    /// `explanation`, naming the key when Foundation reports a number that does not fit its field (1.5 or 1e30
    /// where an Int is expected) as "not valid JSON" with no key: each top-level key of the (valid) JSON object
    /// is left out in turn, and the key whose absence makes that error go away is named with its value.
    public func explanation<T: Decodable>(in data: Data, decoding type: T.Type) -> String {
        guard case .dataCorrupted(let context) = self, context.codingPath.isEmpty,
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return explanation }
        for key in object.keys.sorted() {
            guard let value = object[key], value is NSNumber || value is [Any] else { continue }
            var rest = object
            rest.removeValue(forKey: key)
            guard let trimmed = try? JSONSerialization.data(withJSONObject: rest) else { continue }
            do {
                _ = try JSONDecoder().decode(T.self, from: trimmed)
            } catch let error as DecodingError {
                switch error {
                case .dataCorrupted(let other) where other.codingPath.isEmpty: continue
                case .keyNotFound(let missing, _) where missing.stringValue == key: continue
                default: break
                }
            } catch {
                continue
            }
            let text = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            return "\"\(key)\" is \(ErrorText.capped(text, 80)), a number its setting cannot hold (a fraction where a whole "
                + "number is expected, or a number out of range)"
        }
        return "the file is valid JSON, but a number does not fit the type of its setting (a fraction where a whole "
            + "number is expected, or a number out of range)"
    }
}
