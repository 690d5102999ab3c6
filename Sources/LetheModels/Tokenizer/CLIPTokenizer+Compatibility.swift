import Foundation

extension CLIPTokenizer {
    /// The Hugging Face tokenizer whose ids to reproduce. Both agree on ordinary prompts; they differ on control
    /// and format characters, CJK ideographs, final sigma, added tokens written in another case, a few
    /// case-folding corners and `<|startoftext|>`/`<|endoftext|>` written in capitals.
    public enum Compatibility: String, Sendable, Equatable, CaseIterable {
        /// transformers 4's slow Python `CLIPTokenizer` without `ftfy`: what diffusers used with transformers 4.
        case slow
        /// The `tokenizers`-backed tokenizer: transformers 5's `CLIPTokenizer` and `CLIPTokenizerFast`. The text is
        /// normalised (NFC, whitespace runs to one space, lower-cased character by character), split by the CLIP
        /// regex and then by byte-level's GPT-2 regex; control characters are kept and CJK ideographs are not
        /// spaced out. Added tokens not marked normalised are matched in the raw text first, the others in the
        /// normalised text (leftmost, then longest); `lstrip`, `rstrip` and `single_word` are not applied.
        /// ``pythonUnicodeVersion`` has no effect here; `tokenizers`' regex engine knows Unicode 16, so letters and
        /// digits first assigned in Unicode 17 (which Swift knows) are split as it splits them, as unassigned
        /// characters.
        case fast
    }

    /// The mode every tokenizer starts in, and so what `lethe` uses unless told otherwise: ``Compatibility/fast``.
    /// Anyone installing diffusers today gets transformers 5, whose `CLIPTokenizer` is the `tokenizers` one, so this
    /// is what gives diffusers' ids (and image) for prompts where the two differ (CJK text, emoji sequences with
    /// format characters, control characters); it is also closer to the CLIP authors' own tokenizer, which never
    /// spaced out CJK ideographs. Change it per tokenizer with ``compatibility``.
    public static let defaultCompatibility = Compatibility.fast

    /// Loads a tokenizer folder (see ``init(folder:padToken:)``) in the given compatibility mode.
    public init(folder: URL, padToken: String? = nil, compatibility: Compatibility) throws {
        try self.init(folder: folder, padToken: padToken)
        self.compatibility = compatibility
    }

    /// The fast tokenizer's added-token lookup: tokens matched in the raw text, and normalised tokens matched in
    /// the normalised text (keyed by their normalised content).
    struct FastTries: Sendable {
        var raw = TokenTrie()
        var normalized = TokenTrie()
        var normalizedIDs: [BytePairEncoding.ExactText: Int] = [:]
    }
}
