import Foundation
import LetheModels
import Testing

/// Loading and saving tokenizer folders, against ids transformers gave for the same files.
@Suite struct CLIPTokenizerFileTests {
    struct TinyExpected: Decodable {
        let max_length: Int
        let pad_token: String
        let prompts: [String]
        let input_ids: [[Int]]
    }

    func tinyFolder(_ name: String) throws -> URL {
        try TokenizerFixtures.folder.appendingPathComponent("tiny").appendingPathComponent(name)
    }

    func tinyExpected() throws -> TinyExpected {
        let url = try TokenizerFixtures.folder.appendingPathComponent("tiny").appendingPathComponent("expected.json")
        return try JSONDecoder().decode(TinyExpected.self, from: Data(contentsOf: url))
    }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Folders saved by transformers 4: slow files with `added_tokens_decoder`, the older layout with
    /// `special_tokens_map.json` + `added_tokens.json`, and a fast `tokenizer.json` with its configuration.
    @Test(arguments: ["slow", "slow_legacy", "fast"])
    func huggingFaceFolder(name: String) throws {
        let expected = try tinyExpected()
        let tokenizer = try CLIPTokenizer(folder: tinyFolder(name))
        #expect(tokenizer.maxLength == expected.max_length)
        #expect(tokenizer.padToken == expected.pad_token)
        #expect(tokenizer.padTokenID == 0)
        #expect(tokenizer.vocabularySize == 814)
        #expect(tokenizer.tokenID(for: "<new>") == 814)
        #expect(tokenizer.count == 815)
        for (prompt, ids) in zip(expected.prompts, expected.input_ids) {
            #expect(tokenizer.encode(prompt).inputIDs == ids, "\(name): \(prompt.debugDescription)")
        }
    }

    /// `tokenizer.json` alone, with merges as `[a, b]` pairs and as `"a b"` strings.
    @Test(arguments: ["fast", "fast_other_merges"])
    func tokenizerJSON(name: String) throws {
        let expected = try tinyExpected()
        let file = try tinyFolder(name).appendingPathComponent("tokenizer.json")
        let tokenizer = try CLIPTokenizer(tokenizerFile: file, padToken: "!", maxLength: expected.max_length)
        for (prompt, ids) in zip(expected.prompts, expected.input_ids) {
            #expect(tokenizer.encode(prompt).inputIDs == ids, "\(name): \(prompt.debugDescription)")
        }
    }

    /// The full CLIP vocabulary as a `tokenizer.json` (built here from the bundled files rather than committing a
    /// second copy) gives transformers' ids for the reference prompts.
    @Test(arguments: [false, true])
    func bundledVocabularyAsTokenizerJSON(mergesAsPairs: Bool) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CLIPTokenizer.bundledCLIP().save(to: folder)
        let vocabulary = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("vocab.json")))
        let mergeLines = try String(contentsOf: folder.appendingPathComponent("merges.txt"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
        let merges: [Any] = mergesAsPairs ? mergeLines.map { $0.split(separator: " ").map(String.init) } : mergeLines
        let json: [String: Any] = [
            "version": "1.0",
            "added_tokens": [
                ["id": 49406, "content": "<|startoftext|>", "special": true, "normalized": true],
                ["id": 49407, "content": "<|endoftext|>", "special": true, "normalized": true],
            ],
            "model": [
                "type": "BPE", "vocab": vocabulary, "merges": merges, "end_of_word_suffix": "</w>",
                "continuing_subword_prefix": "", "unk_token": "<|endoftext|>",
            ],
        ]
        let file = folder.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: json).write(to: file)

        let reference = try TokenizerFixtures.reference()
        let cases = try #require(reference.pad_tokens["<|endoftext|>"]).prompts
        // The slow reference ids (the file format is under test here; clip_reference_fast.json covers the default).
        var tokenizer = try CLIPTokenizer(tokenizerFile: file)
        tokenizer.compatibility = .slow
        #expect(tokenizer.vocabularySize == 49408)
        for (prompt, expected) in zip(reference.prompts, cases) {
            let padded = expected.ids + Array(repeating: 49407, count: expected.padding)
            #expect(tokenizer.encode(prompt).inputIDs == padded, "\(prompt.debugDescription)")
        }
    }

    /// Saving with textual-inversion tokens and loading the folder back gives transformers' ids again; the saved
    /// files follow transformers' layout.
    @Test(arguments: ["<|endoftext|>", "!"])
    func saveAndLoadWithAddedTokens(padToken: String) throws {
        let reference = try TokenizerFixtures.reference()
        let cases = try #require(reference.pad_tokens[padToken]).added
        var tokenizer = try CLIPTokenizer.bundledCLIP(padToken: padToken)
        tokenizer.compatibility = .slow
        tokenizer.addTokens(reference.added_tokens)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try tokenizer.save(to: folder)

        let added = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("added_tokens.json"))) as? [String: Int]
        #expect(added == ["<cat-toy>": 49408, "<cat-toy>_1": 49409, "<a>": 49410, "<b>": 49411, "<ab>": 49412,
                          "S*": 49413])
        let mergesHeader = try String(contentsOf: folder.appendingPathComponent("merges.txt"), encoding: .utf8)
            .prefix(while: { $0 != "\n" })
        #expect(mergesHeader == "#version: 0.2")

        // Twice: with tokenizer_config.json's added_tokens_decoder, and in the older layout without it.
        for legacy in [false, true] {
            if legacy {
                let configFile = folder.appendingPathComponent("tokenizer_config.json")
                var config = try #require(
                    try JSONSerialization.jsonObject(with: Data(contentsOf: configFile)) as? [String: Any])
                config["added_tokens_decoder"] = nil
                try JSONSerialization.data(withJSONObject: config).write(to: configFile)
            }
            let loaded = try CLIPTokenizer(folder: folder, compatibility: .slow)
            #expect(loaded.padToken == padToken)
            #expect(loaded.maxLength == 77)
            #expect(loaded.count == tokenizer.count)
            for (prompt, expected) in zip(reference.added_prompts, cases) {
                // added_tokens.json only lists ids beyond the vocabulary, so the older layout loses "toy" (a
                // vocabulary token added as a whole-match token), as it does in transformers.
                if legacy && prompt.replacingOccurrences(of: "<cat-toy>", with: "").contains("toy") { continue }
                let padded = expected.ids + Array(repeating: loaded.padTokenID, count: expected.padding)
                #expect(loaded.encode(prompt).inputIDs == padded, "legacy \(legacy): \(prompt.debugDescription)")
            }
        }
    }

    @Test func padTokenOverride() throws {
        let tokenizer = try CLIPTokenizer(folder: tinyFolder("slow"), padToken: "<|endoftext|>")
        #expect(tokenizer.padTokenID == 813)
        #expect(tokenizer.encode("in on").inputIDs == [812, 530, 525, 813] + Array(repeating: 813, count: 12))
    }
}
