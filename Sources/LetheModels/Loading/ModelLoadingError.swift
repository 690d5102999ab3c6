/// Why a model folder, config or checkpoint could not be loaded; each message names the file or key.
public enum ModelLoadingError: Error, CustomStringConvertible, Equatable {
    case missingFolder(path: String)
    case missingFile(path: String, expected: String)
    case unreadableConfig(path: String, reason: String)
    /// A file or folder that exists by name but cannot be opened (a broken or looping symbolic link, a FIFO, …).
    case unreadableFile(path: String, reason: String)
    /// A component folder without weight files that match (`found` says what it holds instead).
    case noWeights(folder: String, expected: String, found: String)
    case unsupported(path: String, key: String, value: String, supported: String)
    case invalidConfig(path: String, key: String, reason: String)
    case missingWeight(checkpoint: String, key: String)
    case wrongShape(checkpoint: String, key: String, expected: [Int], found: [Int])
    case unexpectedWeights(checkpoint: String, keys: [String])
    case nonFiniteWeight(checkpoint: String, key: String)

    public var description: String {
        switch self {
        case .missingFolder(let path):
            return "Model folder '\(path)' does not exist or is not a folder."
        case .missingFile(let path, let expected):
            return "'\(path)' is missing: expected \(expected)."
        case .unreadableConfig(let path, let reason):
            return "Config '\(path)' could not be read: \(reason)."
        case .unreadableFile(let path, let reason):
            return "'\(path)' cannot be read: \(reason)."
        case .noWeights(let folder, let expected, let found):
            return "No weights in '\(folder)': expected \(expected); \(found)."
        case .unsupported(let path, let key, let value, let supported):
            return "Config '\(path)': \(key) = \(value) is not supported (supported: \(supported))."
        case .invalidConfig(let path, let key, let reason):
            return "Config '\(path)': \(key) \(reason)."
        case .missingWeight(let checkpoint, let key):
            return "Checkpoint '\(checkpoint)' has no tensor '\(key)', which the model's config requires."
        case .wrongShape(let checkpoint, let key, let expected, let found):
            return "Checkpoint '\(checkpoint)': tensor '\(key)' has shape \(found), but the model's config requires \(expected)."
        case .unexpectedWeights(let checkpoint, let keys):
            let shown = keys.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            let more = keys.count > 5 ? " and \(keys.count - 5) more" : ""
            return "Checkpoint '\(checkpoint)' has tensors the model's config does not use: \(shown)\(more)."
        case .nonFiniteWeight(let checkpoint, let key):
            return "Checkpoint '\(checkpoint)': tensor '\(key)' contains NaN or infinite values."
        }
    }
}
