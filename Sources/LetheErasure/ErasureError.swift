import Foundation
import LetheIO

/// Why an erasure job cannot run or finish; each message names the argument, file or concept at fault.
public enum ErasureError: Error, CustomStringConvertible, Equatable {
    case invalidArgument(name: String, reason: String)
    case emptyConcept(argument: String)
    case unknownWords(prompt: String, words: [String])
    case noCrossAttention(model: String)
    /// An entry of the source model folder that the erased folder would copy but cannot.
    case invalidSourceEntry(path: String, reason: String)
    case nonFinite(stage: String)
    case invalidImage(path: String, reason: String)
    case noImages(path: String)
    case initializerNotOneToken(word: String, tokens: Int)

    public var description: String {
        switch self {
        case .invalidArgument(let name, let reason):
            return "\(name) \(reason)."
        case .emptyConcept(let argument):
            return "\(argument) is empty: give the words of the concept (e.g. --concept \"Van Gogh\")."
        case .unknownWords(let prompt, let words):
            return "The tokenizer does not know \(ErrorText.list(words.map { "'\($0)'" })) in '\(ErrorText.capped(prompt))': "
                + "they map to the unknown token, so the prompt's embedding would not carry the concept."
        case .noCrossAttention(let model):
            return "The UNet of '\(model)' has no cross-attention (attn2) layers, so there are no key/value projections to edit."
        case .invalidSourceEntry(let path, let reason):
            return "The source model's '\(path)' cannot be copied into the erased folder: \(reason)."
        case .nonFinite(let stage):
            return "\(stage) produced NaN or infinite values; nothing was written."
        case .invalidImage(let path, let reason):
            return "'\(path)' is not a training image Lethe can read (PNG or JPEG): \(Self.clause(reason))."
        case .noImages(let path):
            return "The image folder '\(path)' holds no images; give a folder of PNG or JPEG files."
        case .initializerNotOneToken(let word, let tokens):
            return "--init-token '\(word)' is \(tokens) tokens; it must be exactly one token of the tokenizer's vocabulary."
        }
    }

    /// A nested error's message as a clause of this sentence: without its own final full stop.
    private static func clause(_ reason: String) -> String {
        var text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
