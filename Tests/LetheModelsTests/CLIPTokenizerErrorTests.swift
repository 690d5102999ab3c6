import Foundation
import LetheModels
import Testing

/// Missing and corrupt tokenizer files give a ``TokenizerError`` naming the file and the problem, never a trap.
@Suite struct CLIPTokenizerErrorTests {
    /// A minimal valid vocabulary: byte symbols for "a", "b", their end-of-word forms, one merge and CLIP's
    /// special tokens.
    static let vocabulary =
        #"{"a": 0, "b": 1, "a</w>": 2, "b</w>": 3, "ab</w>": 4, "<|startoftext|>": 5, "<|endoftext|>": 6}"#
    static let merges = "#version: 0.2\na b</w>\n"

    func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, content) in files {
            try Data(content.utf8).write(to: url.appendingPathComponent(name))
        }
        return url
    }

    /// Loads a folder expecting an error; returns it with the folder's path.
    func loadError(_ files: [String: String]) throws -> (TokenizerError, String) {
        let url = try folder(files)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try CLIPTokenizer(folder: url)
        } catch let error as TokenizerError {
            return (error, url.path)
        }
        Issue.record("loading \(files.keys.sorted()) succeeded")
        return (.noTokenizerFiles(folder: ""), url.path)
    }

    @Test func validMinimalFolderLoads() throws {
        let url = try folder(["vocab.json": Self.vocabulary, "merges.txt": Self.merges])
        defer { try? FileManager.default.removeItem(at: url) }
        let tokenizer = try CLIPTokenizer(folder: url)
        // "ab" → a, b</w> → merged "ab</w>"; "ba" → b, a</w> (no merge).
        #expect(tokenizer.encode("ab ba", padding: .none).inputIDs == [5, 4, 1, 2, 6])
        // A byte symbol missing from the vocabulary becomes the unknown token (<|endoftext|>).
        #expect(tokenizer.tokenIDs(for: "c") == [6])
        #expect(tokenizer.tokenize("c") == ["c</w>"])
    }

    /// Found by fuzzing: an empty tokenizer file leaked the read buffer of `Data(contentsOf:)` (a Foundation bug),
    /// which would also block forever on a FIFO. Tokenizer files are now read as regular files only.
    @Test func emptyAndNonRegularFilesAreNamed() throws {
        let (empty, path) = try loadError(["tokenizer.json": ""])
        #expect(empty == .invalidFile(path: path + "/tokenizer.json", reason: "it is not valid JSON"))

        let url = try folder(["merges.txt": Self.merges])
        defer { try? FileManager.default.removeItem(at: url) }
        let fifo = url.appendingPathComponent("vocab.json")
        try #require(mkfifo(fifo.path, 0o600) == 0)
        do {
            _ = try CLIPTokenizer(folder: url)
            Issue.record("a FIFO vocab.json was read")
        } catch let error as TokenizerError {
            guard case .unreadableFile(let reported, let reason) = error else { throw error }
            #expect(reported == fifo.path)
            #expect(reason.contains("FIFO"))
        }
    }

    @Test func missingFolder() throws {
        let path = "/nonexistent/lethe-tokenizer"
        #expect(throws: TokenizerError.missingFile(path: path, purpose: "tokenizer folder")) {
            try CLIPTokenizer(folder: URL(fileURLWithPath: path))
        }
    }

    @Test func emptyFolder() throws {
        let (error, path) = try loadError([:])
        #expect(error == .noTokenizerFiles(folder: path))
        #expect(error.description.contains(path))
    }

    @Test func vocabularyWithoutMerges() throws {
        let (error, path) = try loadError(["vocab.json": Self.vocabulary])
        guard case .missingFile(let file, _) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/merges.txt")
        #expect(error.description.contains("merges.txt"))
    }

    @Test func mergesWithoutVocabulary() throws {
        let (error, path) = try loadError(["merges.txt": Self.merges])
        guard case .missingFile(let file, _) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/vocab.json")
    }

    @Test func vocabularyNotJSON() throws {
        let (error, path) = try loadError(["vocab.json": "{\"a\": 0,", "merges.txt": Self.merges])
        #expect(error == .invalidFile(path: path + "/vocab.json", reason: "it is not valid JSON"))
    }

    @Test func vocabularyNotAnObject() throws {
        let (error, path) = try loadError(["vocab.json": "[1, 2]", "merges.txt": Self.merges])
        #expect(error == .invalidFile(path: path + "/vocab.json", reason: "its top level should be a JSON object"))
    }

    @Test(arguments: [#"{"a": "zero"}"#, #"{"a": 1.5}"#, #"{"a": true}"#])
    func vocabularyIDNotInteger(vocabulary: String) throws {
        let (error, path) = try loadError(["vocab.json": vocabulary, "merges.txt": Self.merges])
        guard case .invalidFile(let file, let reason) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/vocab.json")
        #expect(reason.contains("should be an integer"))
    }

    @Test(arguments: [#"{"a": 0, "b": 0}"#, #"{"a": 0, "b": 5}"#, #"{"a": -1}"#])
    func vocabularyIDsInconsistent(vocabulary: String) throws {
        let (error, path) = try loadError(["vocab.json": vocabulary, "merges.txt": "#version: 0.2\n"])
        guard case .inconsistentVocabulary(let file, _) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/vocab.json")
    }

    @Test func mergesWithoutHeader() throws {
        let (error, path) = try loadError(["vocab.json": Self.vocabulary, "merges.txt": "a b</w>\n"])
        guard case .invalidFile(let file, let reason) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/merges.txt")
        #expect(reason.contains("header"))
    }

    @Test func mergeLineWithThreeTokens() throws {
        let (error, path) = try loadError(["vocab.json": Self.vocabulary, "merges.txt": "#version: 0.2\na b c\n"])
        guard case .invalidFile(let file, let reason) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/merges.txt")
        #expect(reason.contains("line 2"))
    }

    @Test func mergeOfUnknownToken() throws {
        let (error, path) = try loadError([
            "vocab.json": Self.vocabulary, "merges.txt": "#version: 0.2\na b</w>\nx a</w>\n",
        ])
        #expect(error == .mergeReferencesUnknownToken(path: path + "/merges.txt", line: 3, token: "x"))
        #expect(error.description.contains("line 3"))
    }

    @Test func mergeWithUnknownResult() throws {
        let (error, path) = try loadError(["vocab.json": Self.vocabulary, "merges.txt": "#version: 0.2\nb a</w>\n"])
        #expect(error == .mergeReferencesUnknownToken(path: path + "/merges.txt", line: 2, token: "ba</w>"))
    }

    @Test func configurationWithBadPadToken() throws {
        let (error, path) = try loadError([
            "vocab.json": Self.vocabulary, "merges.txt": Self.merges, "tokenizer_config.json": #"{"pad_token": 5}"#,
        ])
        guard case .invalidFile(let file, let reason) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/tokenizer_config.json")
        #expect(reason.contains("pad_token"))
    }

    @Test func configurationWithBadMaxLength() throws {
        let (error, path) = try loadError([
            "vocab.json": Self.vocabulary, "merges.txt": Self.merges,
            "tokenizer_config.json": #"{"model_max_length": 1}"#,
        ])
        guard case .invalidFile(let file, let reason) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/tokenizer_config.json")
        #expect(reason.contains("model_max_length"))
    }

    @Test func addedTokenClashingWithVocabulary() throws {
        // "<new>" claims id 2, which belongs to the vocabulary token "a</w>".
        let (error, _) = try loadError([
            "vocab.json": Self.vocabulary, "merges.txt": Self.merges, "added_tokens.json": #"{"<new>": 2}"#,
        ])
        guard case .inconsistentVocabulary(_, let reason) = error else { Issue.record("\(error)"); return }
        #expect(reason.contains("<new>"))
    }

    @Test func addedTokensSharingAnID() throws {
        let (error, _) = try loadError([
            "vocab.json": Self.vocabulary, "merges.txt": Self.merges, "added_tokens.json": #"{"<x>": 7, "<y>": 7}"#,
        ])
        guard case .inconsistentVocabulary(_, let reason) = error else { Issue.record("\(error)"); return }
        #expect(reason.contains("share the id 7"))
    }

    @Test(arguments: [
        (#"{"model": {"type": "WordPiece", "vocab": {}}}"#, "model.type"),
        (#"{"version": "1.0"}"#, "\"model\""),
        (#"{"model": {"type": "BPE", "vocab": [], "merges": []}}"#, "model.vocab"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}}"#, "model.merges[0]"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "b", "c"]]}}"#, "model.merges[0]"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "end_of_word_suffix": "</e>"}}"#, "suffix"),
        (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"content": "x"}]}"#,
         "added_tokens[0]"),
    ])
    func invalidTokenizerJSON(content: String, mention: String) throws {
        let (error, path) = try loadError(["tokenizer.json": content])
        guard case .invalidFile(let file, let reason) = error else { Issue.record("\(error)"); return }
        #expect(file == path + "/tokenizer.json")
        #expect(reason.contains(mention), "\(reason)")
    }

    @Test func tokenizerJSONMergeOfUnknownToken() throws {
        let content = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b</w>": 1}, "merges": ["a b</w>"]}}"#
        let (error, path) = try loadError(["tokenizer.json": content])
        #expect(error == .mergeReferencesUnknownToken(path: path + "/tokenizer.json", line: 1, token: "ab</w>"))
    }

    @Test func inMemoryMergeOfUnknownToken() {
        #expect(throws: TokenizerError.self) {
            try CLIPTokenizer(vocabulary: ["a": 0, "b": 1], merges: [("a", "b")])
        }
    }
}
