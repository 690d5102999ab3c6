import Foundation
import LetheModels
import Testing

/// Config JSON text `base` with `key` set to `value` (JSON text), or removed when `value` is nil.
func configText(_ base: String, setting key: String, to value: String?) throws -> String {
    var object = try #require(JSONSerialization.jsonObject(with: Data(base.utf8)) as? [String: Any])
    object[key] = try value.map { try JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
    return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
}

/// The ModelLoadingError that `decode` throws; records an issue (naming `what`) when it decodes or throws another error.
func modelLoadingError(_ what: String, _ decode: () throws -> Any) -> ModelLoadingError? {
    do {
        _ = try decode()
        Issue.record("\(what) was accepted")
    } catch let error as ModelLoadingError {
        return error
    } catch {
        Issue.record("\(what): expected a ModelLoadingError, got \(error)")
    }
    return nil
}
