import ArgumentParser
import LetheModels

/// `--tokenizer fast|slow`: which Hugging Face CLIP tokenizer's ids to reproduce. Choices and default come from the
/// library (`CLIPTokenizer.Compatibility`, `CLIPTokenizer.defaultCompatibility`), so they are decided in one place.
enum TokenizerMode: String, ExpressibleByArgument, CaseIterable {
    case fast
    case slow

    /// The library's default mode (transformers 5's tokenizer).
    static let standard = TokenizerMode(CLIPTokenizer.defaultCompatibility)

    init(_ compatibility: CLIPTokenizer.Compatibility) {
        switch compatibility {
        case .fast: self = .fast
        case .slow: self = .slow
        }
    }

    var compatibility: CLIPTokenizer.Compatibility {
        switch self {
        case .fast: .fast
        case .slow: .slow
        }
    }

    /// What the mode reproduces, for output and help.
    var summary: String {
        switch self {
        case .fast: "transformers 5's tokenizers-backed CLIPTokenizer"
        case .slow: "transformers 4's slow CLIPTokenizer, without ftfy"
        }
    }
}

/// The option every command that tokenises prompts shares (`tokenizer:` in a --config job file).
struct TokenizerOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Whose ids to reproduce: fast (transformers 5's CLIPTokenizer, what diffusers gets today) or slow (transformers 4's slow CLIPTokenizer without ftfy). They differ on CJK text, control characters and some emoji and case-folding corners.",
        valueName: "mode"))
    var tokenizer: TokenizerMode = .standard

    var compatibility: CLIPTokenizer.Compatibility { tokenizer.compatibility }
}
