import Foundation

extension SchedulerConfiguration {
    /// Decodes a scheduler_config.json; `source` names it in errors (a path, or a description).
    public init(jsonData: Data, source: String = "scheduler_config.json") throws {
        do {
            self = try JSONDecoder().decode(SchedulerConfiguration.self, from: jsonData)
        } catch let error as DecodingError {
            throw SchedulerError.unreadableConfiguration(source: source, reason: Self.explain(error))
        } catch {
            throw SchedulerError.unreadableConfiguration(source: source, reason: "\(error)")
        }
    }

    /// Reads and decodes a scheduler_config.json file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SchedulerError.unreadableConfiguration(source: url.path, reason: error.localizedDescription)
        }
        try self.init(jsonData: data, source: url.path)
    }

    /// The same configuration as JSON with diffusers' keys (absent values are left out).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Names the key and the problem of a decoding failure in a short phrase.
    private static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : "\"\(keys.joined(separator: "."))\""
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)) should hold a \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) should hold a \(type) but is null"
        case .keyNotFound(let key, _):
            return "the key \"\(key.stringValue)\" is missing"
        case .dataCorrupted(let context):
            return "\(path(context)) is not valid JSON: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
