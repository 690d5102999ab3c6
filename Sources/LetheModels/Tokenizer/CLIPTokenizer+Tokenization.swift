extension CLIPTokenizer {
    /// One token of a tokenised text, before conversion to an id.
    enum Piece {
        /// An added token cut out of the raw text.
        case added(id: Int, content: String)
        /// A word the pre-tokeniser matched as `<|startoftext|>` or `<|endoftext|>`, which transformers' BPE
        /// cache maps to itself (this is how `<|ENDOFTEXT|>` becomes the end token after lower-casing).
        case special(String)
        /// A BPE symbol (see ``BytePairEncoding/encode(word:)``).
        case symbol(Int32)
    }

    /// The token texts of `text`, without start/end tokens (transformers' `tokenize`).
    public func tokenize(_ text: String) -> [String] {
        pieces(of: text).map { piece in
            switch piece {
            case .added(_, let content): return content
            case .special(let content): return content
            case .symbol(let symbol): return bpe.text(of: symbol)
            }
        }
    }

    /// The token ids of `text`, without start/end tokens, padding or truncation.
    public func tokenIDs(for text: String) -> [Int] {
        pieces(of: text).map { piece in
            switch piece {
            case .added(let id, _): return id
            case .special(let content): return id(forToken: content)
            case .symbol(let symbol): return symbol >= 0 ? Int(symbol) : unknownTokenID
            }
        }
    }

    func pieces(of text: String) -> [Piece] {
        switch compatibility {
        case .slow: return slowPieces(of: text)
        case .fast: return fastPieces(of: text)
        }
    }

    /// transformers' `PreTrainedTokenizer.tokenize` followed by CLIP's `_tokenize` on the text between added tokens.
    private func slowPieces(of text: String) -> [Piece] {
        let scalars = Array(text.unicodeScalars)
        var chunks = trie.isEmpty ? [scalars[...]] : trie.split(scalars).map { scalars[$0] }
        applyAddedTokenSpacing(&chunks)
        var pieces: [Piece] = []
        for chunk in chunks where !chunk.isEmpty {
            let key = BytePairEncoding.ExactText(chunk)
            if let id = addedTokenIDs[key] {
                pieces.append(.added(id: id, content: key.text))
            } else {
                appendWordPieces(of: chunk, to: &pieces)
            }
        }
        return pieces
    }

    /// CLIP's `_tokenize`: clean-up, pre-tokenisation, then byte-level BPE of each word.
    private func appendWordPieces(of chunk: ArraySlice<Unicode.Scalar>, to pieces: inout [Piece]) {
        let cleaned = Self.basicCleanup(chunk, unicodeVersion: pythonUnicodeVersion)
        for range in Self.preTokenize(cleaned, regexModuleQuirks: true) {
            let word = cleaned[range]
            if word.elementsEqual(Self.startOfTextScalars) || word.elementsEqual(Self.endOfTextScalars) {
                pieces.append(.special(BytePairEncoding.ExactText(word).text))
                continue
            }
            for symbol in bpe.encode(word: Array(BytePairEncoding.ExactText(word).text.utf8)) {
                pieces.append(.symbol(symbol))
            }
        }
    }

    /// transformers' handling of `lstrip`, `rstrip` and `single_word` around added tokens, on the trie's pieces.
    private func applyAddedTokenSpacing(_ chunks: inout [ArraySlice<Unicode.Scalar>]) {
        for index in chunks.indices {
            guard let id = addedTokenIDs[BytePairEncoding.ExactText(chunks[index])], let token = addedTokensByID[id]
            else { continue }
            let content = chunks[index]
            let left = index > 0 ? chunks[index - 1] : nil
            let right = index + 1 < chunks.count ? chunks[index + 1] : nil
            if token.stripsRight, let right, !right.isEmpty {
                chunks[index + 1] = right.drop(while: Self.isPythonWhitespace)
            }
            if token.stripsLeft, let left, !left.isEmpty {
                chunks[index - 1] = Self.droppingTrailingWhitespace(left)
            }
            if token.isSingleWord, let left, let last = left.last, last != " " {
                chunks[index - 1] = ArraySlice(Array(chunks[index - 1]) + Array(content))
                chunks[index] = []
            } else if token.isSingleWord, let right, let first = right.first, first != " " {
                chunks[index + 1] = ArraySlice(Array(content) + Array(chunks[index + 1]))
                chunks[index] = []
            }
        }
    }

    /// Python's `rstrip()`.
    private static func droppingTrailingWhitespace(_ text: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        var end = text.endIndex
        while end > text.startIndex, isPythonWhitespace(text[end - 1]) { end -= 1 }
        return text[..<end]
    }
}
