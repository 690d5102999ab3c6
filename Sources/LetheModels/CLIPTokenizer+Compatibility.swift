extension CLIPTokenizer {
    /// The Hugging Face tokenizer whose ids to reproduce. Both agree on ordinary prompts; they differ on control
    /// and format characters, CJK ideographs, final sigma, added tokens written in another case, a few
    /// case-folding corners and `<|startoftext|>`/`<|endoftext|>` written in capitals.
    public enum Compatibility: Sendable, Equatable {
        /// transformers 4's slow Python `CLIPTokenizer` without `ftfy`: what diffusers used with transformers 4.
        case slow
        /// The `tokenizers`-backed tokenizer: transformers 5's `CLIPTokenizer` and `CLIPTokenizerFast`. The text is
        /// normalised (NFC, whitespace runs to one space, lower-cased character by character), split by the CLIP
        /// regex and then by byte-level's GPT-2 regex; control characters are kept and CJK ideographs are not
        /// spaced out. Added tokens not marked normalised are matched in the raw text first, the others in the
        /// normalised text (leftmost, then longest); `lstrip`, `rstrip` and `single_word` are not applied.
        /// ``pythonUnicodeVersion`` has no effect here; `tokenizers`' regex engine knows Unicode 16, so letters and
        /// digits first assigned in Unicode 17 (which Swift knows) can split differently.
        case fast
    }

    /// The fast tokenizer's added-token lookup: tokens matched in the raw text, and normalised tokens matched in
    /// the normalised text (keyed by their normalised content).
    struct FastTries: Sendable {
        var raw = TokenTrie()
        var normalized = TokenTrie()
        var normalizedIDs: [BytePairEncoding.ExactText: Int] = [:]
    }
}
