import LetheTensor
import Foundation
import LetheIO

/// Why an erasure job cannot run or finish; each message names the setting, file or concept at fault.
public enum ErasureError: Error, CustomStringConvertible, Equatable {
    /// A setting out of its domain (named as the front end names it, see `Setting`).
    case invalidSetting(Setting, reason: String)
    case emptyConcept(Setting)
    /// An argument of a library call that its caller got wrong (shapes that must agree).
    case invalidInput(name: String, reason: String)
    /// A model the job cannot run on as configured; the reason is a sentence.
    case unsupportedModel(reason: String)
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
        case .invalidSetting(let setting, let reason):
            return "\(setting) \(reason)."
        case .unsupportedModel(let reason):
            return "\(reason)."
        case .invalidInput(let name, let reason):
            return "\(name) \(reason)."
        case .emptyConcept(let argument):
            return "\(argument) is empty: give the words of the concept (e.g. \(Setting.concept) \"Van Gogh\")."
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
            return "\(Setting.initializer) '\(word)' is \(tokens) tokens; it must be exactly one token of the tokenizer's vocabulary."
        }
    }

    /// A nested error's message as a clause of this sentence: without its own final full stop.
    static func clause(_ reason: String) -> String {
        var text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
