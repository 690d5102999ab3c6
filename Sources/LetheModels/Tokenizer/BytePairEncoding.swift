/// Byte-level byte-pair encoding as CLIP uses it: a word's UTF-8 bytes become byte symbols, the last one marked with
/// `</w>`, and merge rules are applied lowest rank first until none applies.
///
/// Symbols are vocabulary ids throughout. A byte symbol missing from the vocabulary is kept as a negative
/// placeholder (see ``encode(word:)``) so that its text can still be shown; such symbols never take part in a merge because
/// every merge rule is checked against the vocabulary when the table is built.
struct BytePairEncoding: Sendable {
    /// The merge rules by rank, as pairs of symbol ids (for saving).
    let mergeList: [(left: Int32, right: Int32)]
    /// Token text by id, for the vocabulary proper (`vocab.json` / `model.vocab`).
    let tokens: [String]
    /// Token id by exact text (scalar for scalar, unlike `String` equality).
    let ids: [ExactText: Int]
    /// Merge rank and merged id, keyed by the pair of symbol ids (left in the high 32 bits).
    let merges: [UInt64: Merge]
    /// Id of each byte's symbol, and of the same symbol followed by `</w>`; -1 when the vocabulary lacks it.
    let byteSymbolIDs: [Int32]
    let finalByteSymbolIDs: [Int32]
    /// Results for words already encoded.
    let cache: Cache

    struct Merge: Sendable {
        let rank: Int32
        let merged: Int32
    }

    /// The end-of-word marker CLIP appends to the last symbol of every word.
    static let endOfWord = "</w>"

    /// Builds the table from a vocabulary (text → id) and merge rules in rank order.
    ///
    /// - Parameters:
    ///   - vocabulary: token text and id; the ids must be exactly `0..<vocabulary.count`, so that they index
    ///     ``tokens``.
    ///   - merges: pairs of token texts, lowest rank first; a later duplicate of a pair takes the later rank, as in
    ///     Hugging Face's `dict(zip(merges, range(...)))`.
    ///   - vocabularySource: file the vocabulary came from, for error messages.
    ///   - mergesSource: file the merges came from, for error messages.
    ///   - mergeLines: the file line of each merge, for error messages.
    init(
        vocabulary: [(String, Int)], merges: [(String, String)], vocabularySource: String, mergesSource: String,
        mergeLines: [Int]
    ) throws {
        var tokens = [String?](repeating: nil, count: vocabulary.count)
        var ids = [ExactText: Int](minimumCapacity: vocabulary.count)
        for (text, id) in vocabulary {
            guard id >= 0, id < vocabulary.count else {
                throw TokenizerError.inconsistentVocabulary(
                    path: vocabularySource,
                    reason: "token \(text.debugDescription) has id \(id), expected ids 0..<\(vocabulary.count)")
            }
            if let other = tokens[id] {
                throw TokenizerError.inconsistentVocabulary(
                    path: vocabularySource,
                    reason: "tokens \(other.debugDescription) and \(text.debugDescription) share the id \(id)")
            }
            guard ids.updateValue(id, forKey: ExactText(text)) == nil else {
                throw TokenizerError.inconsistentVocabulary(
                    path: vocabularySource, reason: "token \(text.debugDescription) appears twice")
            }
            tokens[id] = text
        }
        self.tokens = tokens.map { $0 ?? "" }
        self.ids = ids

        var table = [UInt64: Merge](minimumCapacity: merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            let line = rank < mergeLines.count ? mergeLines[rank] : rank + 1
            func id(_ text: String) throws -> Int32 {
                guard let id = ids[ExactText(text)] else {
                    throw TokenizerError.mergeReferencesUnknownToken(path: mergesSource, line: line, token: text)
                }
                return Int32(id)
            }
            let key = Self.pairKey(try id(left), try id(right))
            table[key] = Merge(rank: Int32(rank), merged: try id(left + right))
        }
        self.merges = table
        mergeList = table.sorted { $0.value.rank < $1.value.rank }.map {
            (left: Int32(truncatingIfNeeded: $0.key >> 32), right: Int32(truncatingIfNeeded: $0.key & 0xFFFF_FFFF))
        }

        let symbols = Self.byteSymbols
        byteSymbolIDs = symbols.map { ids[ExactText(String($0))].map(Int32.init) ?? -1 }
        finalByteSymbolIDs = symbols.map { ids[ExactText(String($0) + Self.endOfWord)].map(Int32.init) ?? -1 }
        cache = Cache()
    }

    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Encodes one pre-tokenised word. Known symbols are vocabulary ids; a byte symbol the vocabulary lacks is
    /// `-1 - byte` (or `-257 - byte` for its end-of-word form).
    func encode(word: [UInt8]) -> [Int32] {
        if let cached = cache.lookup(word) { return cached }
        var symbols = [Int32]()
        symbols.reserveCapacity(word.count)
        for (index, byte) in word.enumerated() {
            let isLast = index == word.count - 1
            let id = isLast ? finalByteSymbolIDs[Int(byte)] : byteSymbolIDs[Int(byte)]
            symbols.append(id >= 0 ? id : (isLast ? -257 : -1) - Int32(byte))
        }
        applyMerges(&symbols)
        cache.store(symbols, for: word)
        return symbols
    }

    /// Repeatedly merges every occurrence (left to right) of the lowest-ranked adjacent pair.
    private func applyMerges(_ symbols: inout [Int32]) {
        while symbols.count > 1 {
            var best: Merge?
            var bestLeft: Int32 = 0
            var bestRight: Int32 = 0
            for index in 0..<(symbols.count - 1) {
                let left = symbols[index]
                let right = symbols[index + 1]
                guard left >= 0, right >= 0, let merge = merges[Self.pairKey(left, right)] else { continue }
                if let current = best, current.rank <= merge.rank { continue }
                best = merge
                bestLeft = left
                bestRight = right
            }
            guard let merge = best else { return }
            var merged = [Int32]()
            merged.reserveCapacity(symbols.count)
            var index = 0
            while index < symbols.count {
                if index + 1 < symbols.count, symbols[index] == bestLeft, symbols[index + 1] == bestRight {
                    merged.append(merge.merged)
                    index += 2
                } else {
                    merged.append(symbols[index])
                    index += 1
                }
            }
            symbols = merged
        }
    }

    /// The text of a symbol returned by ``encode(word:)``.
    func text(of symbol: Int32) -> String {
        if symbol >= 0 { return tokens[Int(symbol)] }
        let code = -1 - Int(symbol)
        return code < 256
            ? String(Self.byteSymbols[code])
            : String(Self.byteSymbols[code - 256]) + Self.endOfWord
    }
}
