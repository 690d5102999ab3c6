import LetheTensor
import LetheIO

/// The settings of a UCE edit, with the authors' defaults (rohitgandikota/unified-concept-editing).
public struct UCESettings: Sendable, Codable {
    /// Which rows of the prompt embeddings the edit uses.
    public enum Variant: String, Sendable, CaseIterable, Codable {
        /// The paper's `train_erase.py`: a concept's rows from its last word token to the end, aligned with the
        /// guide's rows from its last word token; preserved prompts with all 77 rows and "" always preserved.
        case paper
        /// The later `uce_sd_erase.py`: only each prompt's last word token (guide, concept and preserved prompts).
        case singleToken = "single-token"
    }

    public var concepts: [String]
    /// One guide for every concept, or one per concept. Empty: the unconditional prompt.
    public var guides: [String]
    public var preserve: [String]
    public var lambda: Double = 0.5
    public var eraseScale: Double = 1
    /// nil: the authors' default, max(0.1, 1/number of preserved prompts with "") for the paper, 1 for single-token.
    public var preserveScale: Double?
    public var technique: EditTechnique = .replace
    public var variant: Variant = .paper
    /// nil: the concepts alone; otherwise the authors' extra prompts per concept (see `UCEPromptExpansion`).
    public var addPrompts: UCEPromptExpansion?

    public init(concepts: [String], guides: [String] = [], preserve: [String] = []) {
        self.concepts = concepts
        self.guides = guides
        self.preserve = preserve
    }

    /// Each concept's guide prompt ("" when none is given: the authors' " " tokenizes the same).
    public func guide(for index: Int) -> String {
        guides.count == 1 ? guides[0] : (guides.isEmpty ? "" : guides[index])
    }

    /// The prompts the edit keeps: "" first (the paper), then the given ones.
    public var retainedPrompts: [String] { variant == .paper ? [""] + preserve : preserve }

    public var resolvedPreserveScale: Double {
        preserveScale ?? (variant == .paper ? max(0.1, 1 / Double(retainedPrompts.count)) : 1)
    }

    /// Settings that run but are likely not what was meant: a concept given twice counts twice in the edit (it
    /// changes the result), and a concept that is also preserved pulls the edit both ways.
    public var warnings: [String] {
        var result: [String] = []
        var seen: Set<String> = []
        for concept in concepts where !seen.insert(concept).inserted {
            result.append("\(Setting.concept) '\(ErrorText.capped(concept, 80))' is given more than once; each copy adds its terms to the edit again")
        }
        for concept in Set(concepts).sorted() where preserve.contains(concept) {
            result.append("'\(ErrorText.capped(concept, 80))' is both a \(Setting.concept) and a \(Setting.preserve) prompt; the edit is pulled both ways")
        }
        return result
    }

    /// Rejects settings the edit cannot run with, naming the option.
    public func validate() throws {
        if concepts.isEmpty { throw ErasureError.invalidSetting(Setting.concept, reason: "must be given at least once") }
        if guides.count > 1 && guides.count != concepts.count {
            throw ErasureError.invalidSetting(
                Setting.guide, reason: "must be given once or once per concept (\(concepts.count)), got \(guides.count)")
        }
        for (name, value) in [(Setting.lambda, lambda), (Setting.eraseScale, eraseScale), (Setting.preserveScale, preserveScale ?? 1)]
        where !value.isFinite || value < 0 {
            throw ErasureError.invalidSetting(name, reason: "must be a finite number ≥ 0, got \(value)")
        }
        if lambda <= 0 { throw ErasureError.invalidSetting(Setting.lambda, reason: "must be above 0, got \(lambda)") }
    }
}
