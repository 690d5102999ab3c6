import Foundation

extension CLIPTokenizer {
    /// Loads a Hugging Face / diffusers tokenizer folder (a model's `tokenizer/`).
    ///
    /// The vocabulary comes from `vocab.json` + `merges.txt` when both exist, otherwise from `tokenizer.json`.
    /// Special tokens, `model_max_length` and added tokens come from `tokenizer_config.json` (its
    /// `added_tokens_decoder` when present); without that table, as transformers does for older folders,
    /// `special_tokens_map.json` overrides the configuration's special tokens and `added_tokens.json` lists the added
    /// tokens. A missing or implausible `model_max_length` (transformers saves 10³⁰ when none was set) gives 77.
    ///
    /// - Parameters:
    ///   - folder: the tokenizer folder.
    ///   - padToken: overrides the folder's pad token.
    public init(folder: URL, padToken: String? = nil) throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TokenizerError.missingFile(path: folder.path, purpose: "tokenizer folder")
        }
        func file(_ name: String) -> URL? {
            let url = folder.appendingPathComponent(name)
            return fileManager.fileExists(atPath: url.path) ? url : nil
        }
        let vocabularyFile = file("vocab.json")
        let mergesFile = file("merges.txt")
        let tokenizerFile = file("tokenizer.json")

        var settings = FolderSettings()
        if let configFile = file("tokenizer_config.json") {
            try settings.read(configuration: configFile)
        }
        if !settings.hasAddedTokensDecoder {
            if let mapFile = file("special_tokens_map.json") { try settings.read(specialTokensMap: mapFile) }
            if let addedFile = file("added_tokens.json") { try settings.read(addedTokensFile: addedFile) }
        }
        if let padToken { settings.special.pad = padToken }

        let bpe: BytePairEncoding
        var addedTokens = settings.addedTokens
        switch (vocabularyFile, mergesFile, tokenizerFile) {
        case (let vocabularyFile?, let mergesFile?, _):
            bpe = try Self.readVocabularyAndMerges(vocabularyFile: vocabularyFile, mergesFile: mergesFile)
        case (_, _, let tokenizerFile?):
            let fast = try Self.readTokenizerJSON(tokenizerFile)
            bpe = fast.bpe
            addedTokens += fast.addedTokens
            if settings.special.pad == nil { settings.special.pad = fast.padToken }
        case (let vocabularyFile?, nil, nil):
            throw TokenizerError.missingFile(
                path: folder.appendingPathComponent("merges.txt").path,
                purpose: "merge rules beside \(vocabularyFile.lastPathComponent)")
        case (nil, let mergesFile?, nil):
            throw TokenizerError.missingFile(
                path: folder.appendingPathComponent("vocab.json").path,
                purpose: "vocabulary beside \(mergesFile.lastPathComponent)")
        case (nil, nil, nil):
            throw TokenizerError.noTokenizerFiles(folder: folder.path)
        }
        try self.init(
            bpe: bpe, specialTokens: settings.special.resolved(), addedTokens: Self.sortedByID(addedTokens),
            maxLength: settings.maxLength ?? Self.defaultMaxLength, source: folder.path)
    }

    /// Loads `vocab.json` and `merges.txt` files, with CLIP's special tokens.
    public init(
        vocabularyFile: URL, mergesFile: URL, padToken: String = CLIPTokenizer.endOfText,
        maxLength: Int = CLIPTokenizer.defaultMaxLength
    ) throws {
        let bpe = try Self.readVocabularyAndMerges(vocabularyFile: vocabularyFile, mergesFile: mergesFile)
        try self.init(bpe: bpe, specialTokens: SpecialTokens(pad: padToken), maxLength: maxLength)
    }

    /// Loads a fast-tokenizer `tokenizer.json` (its `model.vocab`, `model.merges` as `"a b"` strings or `[a, b]`
    /// pairs, and `added_tokens`), with CLIP's special tokens.
    ///
    /// - Parameter padToken: the pad token; by default the file's `padding.pad_token`, else `<|endoftext|>`.
    public init(tokenizerFile: URL, padToken: String? = nil, maxLength: Int = CLIPTokenizer.defaultMaxLength) throws {
        let fast = try Self.readTokenizerJSON(tokenizerFile)
        var special = SpecialTokens()
        special.pad = padToken ?? fast.padToken ?? Self.endOfText
        try self.init(
            bpe: fast.bpe, specialTokens: special, addedTokens: Self.sortedByID(fast.addedTokens),
            maxLength: maxLength, source: tokenizerFile.path)
    }

    private static func sortedByID(_ tokens: [(id: Int, token: AddedToken)]) -> [(id: Int, token: AddedToken)] {
        tokens.sorted { $0.id < $1.id }
    }

    /// transformers' slow CLIPTokenizer reads merges.txt as `read().strip().split("\n")[1 : 49152 - 256 - 2 + 1]`:
    /// a header line, then at most this many merge rules.
    static let mergesFileLimit = 49152 - 256 - 2

    static func readVocabularyAndMerges(vocabularyFile: URL, mergesFile: URL) throws -> BytePairEncoding {
        let vocabulary = try readVocabulary(
            JSONFile.object(at: vocabularyFile), path: vocabularyFile.path, key: nil)
        let text = try JSONFile.text(at: mergesFile)
        let lines = pythonStripped(text).unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        guard let header = lines.first, header.hasPrefix("#") else {
            throw TokenizerError.invalidFile(
                path: mergesFile.path,
                reason: "the first line should be a header such as \"#version: 0.2\" (transformers skips it), "
                    + "found \(String((lines.first ?? "").prefix(40)).debugDescription)")
        }
        var merges: [(String, String)] = []
        var lineNumbers: [Int] = []
        for (offset, line) in lines.dropFirst().prefix(mergesFileLimit).enumerated() {
            let parts = line.unicodeScalars.split(whereSeparator: isPythonWhitespace)
                .map { String(String.UnicodeScalarView($0)) }
            if parts.isEmpty { continue }
            guard parts.count == 2 else {
                throw TokenizerError.invalidFile(
                    path: mergesFile.path,
                    reason: "line \(offset + 2) should hold two tokens separated by a space, found "
                        + line.debugDescription)
            }
            merges.append((parts[0], parts[1]))
            lineNumbers.append(offset + 2)
        }
        return try BytePairEncoding(
            vocabulary: vocabulary, merges: merges, vocabularySource: vocabularyFile.path,
            mergesSource: mergesFile.path, mergeLines: lineNumbers)
    }

    /// Python's `str.strip()`, scalar by scalar.
    private static func pythonStripped(_ text: String) -> String {
        var scalars = text.unicodeScalars[...]
        while let first = scalars.first, isPythonWhitespace(first) { scalars.removeFirst() }
        while let last = scalars.last, isPythonWhitespace(last) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// A vocabulary object: token text → non-negative integer id.
    static func readVocabulary(_ object: [String: Any], path: String, key: String?) throws -> [(String, Int)] {
        var vocabulary: [(String, Int)] = []
        vocabulary.reserveCapacity(object.count)
        for (token, value) in object {
            guard let id = JSONFile.integer(value) else {
                throw TokenizerError.invalidFile(
                    path: path,
                    reason: "\(key.map { "\($0): " } ?? "")the id of token \(token.debugDescription) should be an "
                        + "integer, found \(value)")
            }
            vocabulary.append((token, id))
        }
        return vocabulary
    }

    /// What a `tokenizer.json` yields.
    struct FastTokenizerFile {
        var bpe: BytePairEncoding
        var addedTokens: [(id: Int, token: AddedToken)]
        var padToken: String?
    }

    static func readTokenizerJSON(_ url: URL) throws -> FastTokenizerFile {
        let path = url.path
        let root = try JSONFile.object(at: url)
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.invalidFile(path: path, reason: "it has no \"model\" object")
        }
        if let type = model["type"] as? String, type != "BPE" {
            throw TokenizerError.invalidFile(
                path: path, reason: "model.type is \(type.debugDescription), expected \"BPE\"")
        }
        if let suffix = model["end_of_word_suffix"] as? String, suffix != BytePairEncoding.endOfWord {
            throw TokenizerError.invalidFile(
                path: path, reason: "model.end_of_word_suffix is \(suffix.debugDescription), CLIP uses \"</w>\"")
        }
        if let prefix = model["continuing_subword_prefix"] as? String, !prefix.isEmpty {
            throw TokenizerError.invalidFile(
                path: path, reason: "model.continuing_subword_prefix is \(prefix.debugDescription), CLIP uses none")
        }
        guard let vocabularyObject = model["vocab"] as? [String: Any] else {
            throw TokenizerError.invalidFile(path: path, reason: "model.vocab should be an object of token ids")
        }
        let vocabulary = try readVocabulary(vocabularyObject, path: path, key: "model.vocab")
        guard let mergeValues = model["merges"] as? [Any] else {
            throw TokenizerError.invalidFile(path: path, reason: "model.merges should be an array")
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(mergeValues.count)
        for (index, value) in mergeValues.enumerated() {
            if let text = value as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty {
                    merges.append((String(parts[0]), String(parts[1])))
                    continue
                }
            } else if let pair = value as? [Any], pair.count == 2, let left = pair[0] as? String,
                let right = pair[1] as? String
            {
                merges.append((left, right))
                continue
            }
            throw TokenizerError.invalidFile(
                path: path,
                reason: "model.merges[\(index)] should be \"left right\" or [\"left\", \"right\"], found \(value)")
        }
        // Merge "lines" are array positions here (1-based) for error messages.
        let bpe = try BytePairEncoding(
            vocabulary: vocabulary, merges: merges, vocabularySource: path, mergesSource: path,
            mergeLines: Array(1...max(merges.count, 1)))

        var addedTokens: [(id: Int, token: AddedToken)] = []
        if let list = root["added_tokens"], !(list is NSNull) {
            guard let entries = list as? [Any] else {
                throw TokenizerError.invalidFile(path: path, reason: "added_tokens should be an array")
            }
            for (index, entry) in entries.enumerated() {
                guard let object = entry as? [String: Any], let id = object["id"].flatMap(JSONFile.integer) else {
                    throw TokenizerError.invalidFile(
                        path: path, reason: "added_tokens[\(index)] should be an object with an integer \"id\"")
                }
                let token = try FolderSettings.addedToken(object, path: path, key: "added_tokens[\(index)]")
                addedTokens.append((id, token))
            }
        }
        let padding = root["padding"] as? [String: Any]
        return FastTokenizerFile(bpe: bpe, addedTokens: addedTokens, padToken: padding?["pad_token"] as? String)
    }
}
