/// CLIP's byte-level BPE tokenizer, giving the same ids as Hugging Face transformers' `CLIPTokenizer`: by default
/// transformers 5's (the `tokenizers`-backed pipeline, ``Compatibility/fast``), or with ``Compatibility/slow``
/// transformers 4's slow Python tokenizer in the configuration diffusers users got, without the optional `ftfy`.
///
/// In the slow mode, for each prompt, as transformers 4 does:
/// 1. Added tokens (special tokens, the pad token, textual-inversion placeholders) are cut out of the raw text with
///    Hugging Face's added-token trie; they are matched case-sensitively and never split.
/// 2. Each remaining piece is cleaned like transformers' `BasicTokenizer`: NUL, U+FFFD and control/format/unassigned
///    characters dropped, whitespace made plain spaces, spaces put around CJK ideographs, NFC, then lower-cased
///    (Python's full lower-casing, final sigma included).
/// 3. CLIP's pre-tokenisation regex
///    `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (case-insensitive,
///    as the `regex` module evaluates it) splits it into words.
/// 4. Each word's UTF-8 bytes are byte-pair encoded, the last symbol marked with `</w>`.
/// 5. ``encode(_:padding:truncation:)`` adds `<|startoftext|>` and `<|endoftext|>`, truncates to ``maxLength``
///    keeping the end token, and pads with the pad token (SD 1.x: `<|endoftext|>`, SD 2.x: `!`).
///
/// transformers 5 (whose `CLIPTokenizer` is the `tokenizers`-backed one) and `CLIPTokenizerFast` differ from it on
/// some prompts (see ``Compatibility/fast``, the default). With `ftfy` installed, the slow
/// tokenizer runs `ftfy.fix_text` (which straightens curly quotes, unescapes HTML entities, folds full-width letters
/// and more) instead of the `BasicTokenizer` clean-up; that mode is not reproduced.
public struct CLIPTokenizer: Sendable {
    let bpe: BytePairEncoding
    /// Added tokens (special tokens included) by id, and ids by exact content.
    var addedTokensByID: [Int: AddedToken]
    var addedTokenIDs: [BytePairEncoding.ExactText: Int]
    /// Added-token contents in the order they were added, for the trie and for saving.
    var addedTokenOrder: [Int]
    var trie: TokenTrie
    /// The fast tokenizer's added-token tries (see ``rebuildTrie()``).
    var fastTries = FastTries()

    /// The start-of-text token (`<|startoftext|>`).
    public let bosToken: String
    /// The end-of-text token (`<|endoftext|>`).
    public let eosToken: String
    /// The token for text the vocabulary cannot express (CLIP: `<|endoftext|>`).
    public let unknownToken: String
    /// The padding token: `<|endoftext|>` for Stable Diffusion 1.x, `!` for 2.x.
    public let padToken: String
    /// Further special tokens named by the tokenizer folder (`additional_special_tokens`); usually none.
    public let additionalSpecialTokens: [String]
    /// Length of ``encode(_:padding:truncation:)``'s output when padding or truncating (CLIP: 77).
    public var maxLength: Int {
        didSet { precondition(maxLength >= 2, "maxLength must leave room for the start and end tokens") }
    }

    /// Which Hugging Face tokenizer to reproduce; ``defaultCompatibility`` (``Compatibility/fast``) unless changed.
    public var compatibility: Compatibility

    /// The Unicode version of the Python whose transformers to match, or nil to use Swift's own Unicode tables
    /// (``Compatibility/slow`` only).
    ///
    /// transformers drops unassigned characters, and Python's `unicodedata` is frozen per Python release (Unicode
    /// 13.0 in 3.10, 14.0 in 3.11, 15.0 in 3.12, 15.1 in 3.13, 16.0 in 3.14). Characters assigned in later
    /// versions than the user's Python knows (new emoji, new CJK extensions) are therefore dropped there but kept
    /// here; setting this version drops them too. Everything else (letters, digits, case mappings, NFC) agrees
    /// across these versions for characters both know.
    public var pythonUnicodeVersion: Unicode.Version?

    /// The default sequence length of CLIP text encoders.
    public static let defaultMaxLength = 77
    /// CLIP's special tokens.
    public static let startOfText = "<|startoftext|>"
    public static let endOfText = "<|endoftext|>"

    /// Builds a tokenizer from a vocabulary and merge rules held in memory.
    ///
    /// - Parameters:
    ///   - vocabulary: token text → id; the ids must be exactly `0..<vocabulary.count`.
    ///   - merges: merge rules, highest priority first; each pair's parts and their concatenation must be in the
    ///     vocabulary.
    ///   - padToken: the padding token; added as a special token when the vocabulary lacks it.
    ///   - maxLength: the padded/truncated length (at least 2).
    public init(
        vocabulary: [String: Int], merges: [(String, String)], padToken: String = CLIPTokenizer.endOfText,
        maxLength: Int = CLIPTokenizer.defaultMaxLength
    ) throws {
        let bpe = try BytePairEncoding(
            vocabulary: vocabulary.map { ($0.key, $0.value) }, merges: merges,
            vocabularySource: "the vocabulary argument", mergesSource: "the merges argument",
            mergeLines: [])
        try self.init(bpe: bpe, specialTokens: SpecialTokens(pad: padToken), maxLength: maxLength)
    }

    /// The special tokens of a tokenizer folder (or the defaults, which are CLIP's).
    struct SpecialTokens {
        var bos = CLIPTokenizer.startOfText
        var eos = CLIPTokenizer.endOfText
        var unk = CLIPTokenizer.endOfText
        var pad = CLIPTokenizer.endOfText
        var additional: [String] = []
    }

    /// Builds the tokenizer as transformers' `PreTrainedTokenizer.__init__` does: first the added tokens stored with
    /// the tokenizer, then every special token not yet among them (taking its vocabulary id, or a new one).
    init(
        bpe: BytePairEncoding, specialTokens: SpecialTokens, addedTokens: [(id: Int, token: AddedToken)] = [],
        maxLength: Int, source: String = "the tokenizer"
    ) throws {
        guard maxLength >= 2 else {
            throw TokenizerError.invalidFile(
                path: source, reason: "model_max_length is \(maxLength), expected at least 2")
        }
        self.bpe = bpe
        self.addedTokensByID = [:]
        self.addedTokenIDs = [:]
        self.addedTokenOrder = []
        self.trie = TokenTrie()
        self.bosToken = specialTokens.bos
        self.eosToken = specialTokens.eos
        self.unknownToken = specialTokens.unk
        self.padToken = specialTokens.pad
        self.additionalSpecialTokens = specialTokens.additional
        self.maxLength = maxLength
        self.compatibility = Self.defaultCompatibility

        for (id, token) in addedTokens {
            try insertStoredAddedToken(token, id: id, source: source)
        }
        let specials = [specialTokens.bos, specialTokens.eos, specialTokens.unk, specialTokens.pad]
            + specialTokens.additional
        for content in specials where !content.isEmpty {
            // transformers 5 registers special tokens as not normalised (matched in the raw text).
            _ = insertAddedToken(AddedToken(content: content, isSpecial: true, isNormalized: false))
        }
        rebuildTrie()
    }

    /// Number of tokens in the vocabulary proper (without added tokens): 49,408 for CLIP.
    public var vocabularySize: Int { bpe.tokens.count }

    /// Number of distinct tokens, added ones included (Python's `len(tokenizer)`): the embedding table's row count.
    public var count: Int {
        bpe.tokens.count + addedTokenIDs.keys.filter { bpe.ids[$0] == nil }.count
    }

    /// Id of `<|startoftext|>`.
    public var bosTokenID: Int { id(forToken: bosToken) }
    /// Id of `<|endoftext|>`.
    public var eosTokenID: Int { id(forToken: eosToken) }
    /// Id of the pad token.
    public var padTokenID: Int { id(forToken: padToken) }
    /// Id of the unknown token.
    public var unknownTokenID: Int { id(forToken: unknownToken) }

    /// The id of a token given by its exact text (`"cat</w>"`, `"<cat-toy>"`), or nil when it is not a token.
    public func tokenID(for token: String) -> Int? {
        let key = BytePairEncoding.ExactText(token)
        return addedTokenIDs[key] ?? bpe.ids[key]
    }

    /// The text of a token id, or nil when the id is unused.
    public func token(for id: Int) -> String? {
        if let added = addedTokensByID[id] { return added.content }
        return id >= 0 && id < bpe.tokens.count ? bpe.tokens[id] : nil
    }

    /// Hugging Face's `convert_tokens_to_ids` for one token: added tokens first, then the vocabulary, else the
    /// unknown token's id.
    func id(forToken token: String) -> Int {
        if let id = tokenID(for: token) { return id }
        let unknown = BytePairEncoding.ExactText(unknownToken)
        return addedTokenIDs[unknown] ?? bpe.ids[unknown] ?? 0
    }
}
