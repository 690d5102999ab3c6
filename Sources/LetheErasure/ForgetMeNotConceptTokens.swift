import LetheTensor
import LetheIO
import LetheModels

/// Where a concept's tokens sit in a prompt.
public enum ConceptTokens {
    /// The positions in `tokenizer.encode(prompt)` of every occurrence of the concept's tokens. The start token
    /// never counts, nor do padding positions whatever the pad token is; the end-of-text position counts only with
    /// `usePooler` (the first end token, the one the text encoder pools). A prompt over the token limit is cut as
    /// diffusers and the authors' code cut it (`truncation=True`): occurrences are found in the whole prompt and
    /// only their positions the text encoder still sees count. Throws for an empty concept, words the tokenizer
    /// maps to its unknown token, or a concept absent from the prompt (or cut off entirely).
    public static func positions(of concept: String, in prompt: String, tokenizer: CLIPTokenizer,
                                 usePooler: Bool) throws -> [Int] {
        let conceptIDs = try ids(of: concept, tokenizer: tokenizer)
        let fullIDs = tokenizer.encode(prompt, padding: .none, truncation: false).inputIDs
        // Real tokens of the truncated encoding: start, at most maxLength − 2 prompt tokens, end; then padding.
        let end = min(fullIDs.count, tokenizer.maxLength) - 1
        var positions: [Int] = []
        var start = 1
        while start + conceptIDs.count <= fullIDs.count - 1 {
            if Array(fullIDs[start..<(start + conceptIDs.count)]) == conceptIDs {
                positions.append(contentsOf: start..<(start + conceptIDs.count))
                start += conceptIDs.count
            } else {
                start += 1
            }
        }
        guard !positions.isEmpty else {
            throw ErasureError.invalidSetting(Setting.concept, reason: "'\(concept)' does not appear as whole tokens in the prompt '\(prompt)'")
        }
        positions = positions.filter { $0 < end }
        guard !positions.isEmpty else {
            throw ErasureError.invalidSetting(
                Setting.concept, reason: "'\(ErrorText.capped(concept))' is cut off entirely: the prompt '\(ErrorText.capped(prompt))' is truncated to \(tokenizer.maxLength) tokens before the concept's first token")
        }
        if usePooler { positions.append(end) }
        return positions
    }

    /// The token ids of a concept, checked: not empty, no unknown words. A concept longer than the encoder takes is
    /// not refused here: the prompt holding it is cut with a warning (see ``positions(of:in:tokenizer:usePooler:)``).
    public static func ids(of concept: String, tokenizer: CLIPTokenizer) throws -> [Int] {
        guard !concept.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ErasureError.emptyConcept(Setting.concept)
        }
        let ids = tokenizer.tokenIDs(for: concept)
        guard !ids.isEmpty else { throw ErasureError.emptyConcept(Setting.concept) }
        let unknown = tokenizer.unknownTokenID
        if ids.contains(unknown) {
            let words = concept.split(whereSeparator: { $0.isWhitespace }).map(String.init)
                .filter { tokenizer.tokenIDs(for: $0).contains(unknown) }
            throw ErasureError.unknownWords(prompt: concept, words: words.isEmpty ? [concept] : words)
        }
        return ids
    }
}
