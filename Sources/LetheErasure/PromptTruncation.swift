import LetheTensor
import LetheModels

// Prompts past the text encoder's 77 tokens are cut in every method, as diffusers' pipeline and the authors' code
// (`tokenizer(..., truncation=True)`) cut them; each method warns with the pipeline's own message, so what the edit or
// the training sees is never a surprise.

extension UCESettings {
    /// Warnings for each concept, guide and preserved prompt the tokenizer cuts (UCE and RECE), at most
    /// ``PromptTruncation/maximumWarnings`` of them (a preserve file may hold thousands of prompts) and a count.
    public func truncationWarnings(tokenizer: CLIPTokenizer) -> [String] {
        var named: [(String, String)] = []
        for (argument, prompts) in [(Setting.concept, concepts), (Setting.guide, guides), (Setting.preserve, preserve)] {
            var seen: Set<String> = []
            for prompt in prompts where seen.insert(prompt).inserted { named.append(("\(argument)", prompt)) }
        }
        return PromptTruncation.warnings(for: named, tokenizer: tokenizer)
    }
}

extension TextualInversionTrainer {
    /// Warnings for each prompt template that, filled with the placeholder's tokens, the tokenizer cuts.
    public var truncationWarnings: [String] {
        let templates = options.template.textualInversionTemplates
        let prompts = templates.indices.map {
            ("\(Setting.template) \(options.template.rawValue) ('\(templates[$0])')",
             options.template.textualInversionPrompt($0, placeholder: placeholderText))
        }
        return PromptTruncation.warnings(for: prompts, tokenizer: tokenizer)
    }
}

extension ForgetMeNotTrainer {
    /// The warning for Forget-Me-Not's prompt ("a photo of CONCEPT") when the tokenizer cuts it; nil otherwise.
    public var truncationWarning: String? {
        tokenizer.truncationWarning(for: prompt, argument: "\(Setting.concept) (in the prompt '\(options.template.forgetMeNotPrompt(concept: "{}"))')")
    }
}

/// Collects truncation warnings.
public enum PromptTruncation {
    /// Beyond this many cut prompts, the rest are counted, not quoted.
    public static let maximumWarnings = 10

    /// `tokenizer.truncationWarning` for each (argument, prompt), capped at ``maximumWarnings`` plus one line
    /// counting the rest.
    public static func warnings(for prompts: [(argument: String, prompt: String)], tokenizer: CLIPTokenizer) -> [String] {
        var warnings: [String] = []
        var unquoted = 0
        for (argument, prompt) in prompts {
            guard let warning = tokenizer.truncationWarning(for: prompt, argument: argument) else { continue }
            if warnings.count < maximumWarnings { warnings.append(warning) } else { unquoted += 1 }
        }
        if unquoted > 0 {
            warnings.append("\(unquoted) more prompt(s) were truncated to \(tokenizer.maxLength) tokens")
        }
        return warnings
    }
}
