/// Errors raised while loading, building or saving a ``CLIPTokenizer``.
///
/// Each description is a full sentence naming the file (or argument) and what was expected versus found.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file the tokenizer needs does not exist.
    case missingFile(path: String, purpose: String)
    /// A folder holds neither `vocab.json` + `merges.txt` nor `tokenizer.json`.
    case noTokenizerFiles(folder: String)
    /// A file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// A file was read but its content is not what the tokenizer expects.
    case invalidFile(path: String, reason: String)
    /// A merge rule names a token (or produces one) that the vocabulary lacks.
    case mergeReferencesUnknownToken(path: String, line: Int, token: String)
    /// A vocabulary or added-token entry is inconsistent with the others.
    case inconsistentVocabulary(path: String, reason: String)
    /// A tokenizer could not be written.
    case writeFailed(path: String, reason: String)
    /// The vocabulary that ships with LetheModels is missing from the module's resources.
    case missingBundledVocabulary(name: String)

    public var description: String {
        switch self {
        case .missingFile(let path, let purpose):
            return "The tokenizer file \(path) (\(purpose)) does not exist."
        case .noTokenizerFiles(let folder):
            return "The tokenizer folder \(folder) holds neither vocab.json and merges.txt nor tokenizer.json."
        case .unreadableFile(let path, let reason):
            return "The tokenizer file \(path) could not be read: \(reason)."
        case .invalidFile(let path, let reason):
            return "The tokenizer file \(path) is invalid: \(reason)."
        case .mergeReferencesUnknownToken(let path, let line, let token):
            return "The merge rule on line \(line) of \(path) uses or produces the token \(token.debugDescription), "
                + "which the vocabulary does not contain."
        case .inconsistentVocabulary(let path, let reason):
            return "The vocabulary in \(path) is inconsistent: \(reason)."
        case .writeFailed(let path, let reason):
            return "The tokenizer file \(path) could not be written: \(reason)."
        case .missingBundledVocabulary(let name):
            return "The bundled tokenizer vocabulary \(name) is missing from the LetheModels resources."
        }
    }
}
