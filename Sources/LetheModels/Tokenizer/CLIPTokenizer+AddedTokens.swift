extension CLIPTokenizer {
    /// A token matched whole in the raw text before any clean-up and never split by BPE (Hugging Face's
    /// `AddedToken`): special tokens, the pad token and textual-inversion placeholders such as `<cat-toy>`.
    public struct AddedToken: Sendable, Equatable {
        /// The exact text matched (case-sensitively, code point for code point).
        public var content: String
        /// Whether it is a special token (start/end/unknown/pad or an additional special token).
        public var isSpecial: Bool
        /// Hugging Face's `normalized` flag: the fast tokenizer matches such a token in the normalised (NFC,
        /// lower-cased) text, so `<CAT-TOY>` finds `<cat-toy>`, and the others in the raw text. The slow tokenizer
        /// has no `do_lower_case` attribute and matches every added token in the raw text.
        public var isNormalized: Bool
        /// Hugging Face's `lstrip`: whitespace on the token's left is removed.
        public var stripsLeft: Bool
        /// Hugging Face's `rstrip`: whitespace on the token's right is removed.
        public var stripsRight: Bool
        /// Hugging Face's `single_word`: the token only stands alone when it is not glued to a neighbouring word.
        public var isSingleWord: Bool

        /// A token with Hugging Face's defaults for `add_tokens` (no stripping, not single-word).
        public init(
            content: String, isSpecial: Bool = false, isNormalized: Bool = true, stripsLeft: Bool = false,
            stripsRight: Bool = false, isSingleWord: Bool = false
        ) {
            self.content = content
            self.isSpecial = isSpecial
            self.isNormalized = isNormalized
            self.stripsLeft = stripsLeft
            self.stripsRight = stripsRight
            self.isSingleWord = isSingleWord
        }
    }

    /// Adds tokens the way transformers' `add_tokens` does, e.g. textual-inversion placeholders.
    ///
    /// A token already added, or empty, is skipped. A token whose text is in the vocabulary keeps its vocabulary id
    /// (it is still matched whole from then on, even inside words); any other gets the next id after the
    /// vocabulary and the tokens added before it.
    ///
    /// - Parameters:
    ///   - tokens: the exact texts to match.
    ///   - special: whether to mark them as special tokens.
    /// - Returns: how many new ids were assigned (what Hugging Face returns); diffusers' textual-inversion loader
    ///   treats fewer than `tokens.count` as a clash with an existing token.
    @discardableResult
    public mutating func addTokens(_ tokens: [String], special: Bool = false) -> Int {
        let specialContents = Set(allSpecialTokens.map(BytePairEncoding.ExactText.init))
        var newIDs = 0
        for content in tokens where !content.isEmpty {
            let isSpecial = special || specialContents.contains(BytePairEncoding.ExactText(content))
            let token = AddedToken(content: content, isSpecial: isSpecial, isNormalized: !isSpecial)
            if insertAddedToken(token) { newIDs += 1 }
        }
        rebuildTrie()
        return newIDs
    }

    /// Adds tokens with explicit flags, as transformers' `add_tokens` does for `AddedToken` values: a token whose
    /// text is already a token keeps that id and takes the new flags; any other gets the next id.
    ///
    /// - Parameters:
    ///   - tokens: the tokens; empty contents are skipped.
    ///   - special: marks them all as special tokens.
    /// - Returns: how many new ids were assigned.
    @discardableResult
    public mutating func addTokens(_ tokens: [AddedToken], special: Bool = false) -> Int {
        var newIDs = 0
        for var token in tokens where !token.content.isEmpty {
            if special { token.isSpecial = true }
            let key = BytePairEncoding.ExactText(token.content)
            if let id = addedTokenIDs[key] ?? bpe.ids[key] {
                if addedTokensByID[id] == nil { addedTokenOrder.append(id) }
                addedTokensByID[id] = token
                addedTokenIDs[key] = id
            } else if insertAddedToken(token) {
                newIDs += 1
            }
        }
        rebuildTrie()
        return newIDs
    }

    /// All added tokens (special ones included) with their ids, in the order they were added.
    public var addedTokens: [(id: Int, token: AddedToken)] {
        addedTokenOrder.compactMap { id in addedTokensByID[id].map { (id: id, token: $0) } }
    }

    /// The special tokens, in transformers' `all_special_tokens` order.
    var allSpecialTokens: [String] {
        var seen = Set<BytePairEncoding.ExactText>()
        return ([bosToken, eosToken, unknownToken, padToken] + additionalSpecialTokens).filter {
            seen.insert(BytePairEncoding.ExactText($0)).inserted
        }
    }

    /// Inserts a token unless its content is already an added token; returns whether it took a new id.
    @discardableResult
    mutating func insertAddedToken(_ token: AddedToken) -> Bool {
        let key = BytePairEncoding.ExactText(token.content)
        guard addedTokenIDs[key] == nil else { return false }
        let vocabularyID = bpe.ids[key]
        // `len(get_vocab())` in transformers; the maximum guards against ids stored with gaps.
        let id = vocabularyID ?? max(count, (addedTokensByID.keys.max() ?? -1) + 1)
        addedTokensByID[id] = token
        addedTokenIDs[key] = id
        addedTokenOrder.append(id)
        return vocabularyID == nil
    }

    /// Inserts a token read from a tokenizer folder with its stored id, checking it against the vocabulary.
    mutating func insertStoredAddedToken(_ token: AddedToken, id: Int, source: String) throws {
        let key = BytePairEncoding.ExactText(token.content)
        guard id >= 0 else {
            throw TokenizerError.inconsistentVocabulary(
                path: source, reason: "added token \(token.content.debugDescription) has the negative id \(id)")
        }
        if let vocabularyID = bpe.ids[key], vocabularyID != id {
            throw TokenizerError.inconsistentVocabulary(
                path: source,
                reason: "added token \(token.content.debugDescription) has id \(id) but the vocabulary gives it "
                    + "\(vocabularyID)")
        }
        if id < bpe.tokens.count, bpe.ids[key] == nil {
            throw TokenizerError.inconsistentVocabulary(
                path: source,
                reason: "added token \(token.content.debugDescription) reuses id \(id) of the vocabulary token "
                    + "\(bpe.tokens[id].debugDescription)")
        }
        if let other = addedTokensByID[id], BytePairEncoding.ExactText(other.content) != key {
            throw TokenizerError.inconsistentVocabulary(
                path: source,
                reason: "added tokens \(other.content.debugDescription) and \(token.content.debugDescription) "
                    + "share the id \(id)")
        }
        if let otherID = addedTokenIDs[key], otherID != id {
            throw TokenizerError.inconsistentVocabulary(
                path: source,
                reason: "added token \(token.content.debugDescription) has two ids, \(otherID) and \(id)")
        }
        if addedTokensByID[id] == nil { addedTokenOrder.append(id) }
        addedTokensByID[id] = token
        addedTokenIDs[key] = id
    }

    /// Rebuilds the slow tokenizer's trie of all added tokens and the fast tokenizer's two tries: tokens matched
    /// in the raw text, and normalised tokens (by their normalised text) matched in the normalised text.
    mutating func rebuildTrie() {
        var trie = TokenTrie()
        var rawTrie = TokenTrie()
        var normalizedTrie = TokenTrie()
        var normalizedContents: [BytePairEncoding.ExactText: Int] = [:]
        for id in addedTokenOrder {
            guard let token = addedTokensByID[id] else { continue }
            let scalars = Array(token.content.unicodeScalars)
            trie.insert(scalars)
            if token.isNormalized {
                let normalized = Self.fastNormalized(scalars[...])
                normalizedTrie.insert(normalized)
                normalizedContents[BytePairEncoding.ExactText(normalized)] = id
            } else {
                rawTrie.insert(scalars)
            }
        }
        self.trie = trie
        self.fastTries = FastTries(raw: rawTrie, normalized: normalizedTrie, normalizedIDs: normalizedContents)
    }
}
