import LetheModels

/// Where a concept's tokens sit in a prompt.
public enum ConceptTokens {
    /// The positions in `tokenizer.encode(prompt)` of every occurrence of the concept's tokens. The start token
    /// never counts, nor do padding positions whatever the pad token is; the end-of-text position counts only with
    /// `usePooler` (the first end token, the one the text encoder pools). Throws for an empty concept, words the
    /// tokenizer maps to its unknown token, a prompt over the token limit, or a concept absent from the prompt.
    public static func positions(of concept: String, in prompt: String, tokenizer: CLIPTokenizer,
                                 usePooler: Bool) throws -> [Int] {
        let conceptIDs = try ids(of: concept, tokenizer: tokenizer)
        let promptIDs = tokenizer.tokenIDs(for: prompt)
        guard promptIDs.count + 2 <= tokenizer.maxLength else {
            throw ErasureError.promptTooLong(prompt: prompt, tokens: promptIDs.count + 2, limit: tokenizer.maxLength)
        }
        let encoding = tokenizer.encode(prompt)
        // Real tokens: start, prompt, end; everything after is padding.
        let end = promptIDs.count + 1
        var positions: [Int] = []
        var start = 1
        while start + conceptIDs.count <= end {
            if Array(encoding.inputIDs[start..<(start + conceptIDs.count)]) == conceptIDs {
                positions.append(contentsOf: start..<(start + conceptIDs.count))
                start += conceptIDs.count
            } else {
                start += 1
            }
        }
        guard !positions.isEmpty else {
            throw ErasureError.invalidArgument(name: "--concept", reason: "'\(concept)' does not appear as whole tokens in the prompt '\(prompt)'")
        }
        if usePooler { positions.append(end) }
        return positions
    }

    /// The token ids of a concept, checked: not empty, no unknown words, within the token limit.
    public static func ids(of concept: String, tokenizer: CLIPTokenizer) throws -> [Int] {
        guard !concept.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ErasureError.emptyConcept(argument: "--concept")
        }
        let ids = tokenizer.tokenIDs(for: concept)
        guard !ids.isEmpty else { throw ErasureError.emptyConcept(argument: "--concept") }
        let unknown = tokenizer.unknownTokenID
        if ids.contains(unknown) {
            let words = concept.split(whereSeparator: { $0.isWhitespace }).map(String.init)
                .filter { tokenizer.tokenIDs(for: $0).contains(unknown) }
            throw ErasureError.unknownWords(prompt: concept, words: words.isEmpty ? [concept] : words)
        }
        guard ids.count + 2 <= tokenizer.maxLength else {
            throw ErasureError.promptTooLong(prompt: concept, tokens: ids.count + 2, limit: tokenizer.maxLength)
        }
        return ids
    }
}
