import Foundation
import LetheModels
import LetheTestSupport
import Testing

/// The committed Hugging Face references (Scripts/reference/make_tokenizer_fixtures.py): transformers 4's slow
/// tokenizer (``CLIPTokenizer/Compatibility/slow``, set explicitly: the default is transformers 5's) and transformers 5's
/// ids where they differ.
enum TokenizerFixtures {
    static var folder: URL {
        get throws {
            try Fixture.resource("tokenizer", in: .module)
        }
    }

    struct Reference: Decodable {
        struct Case: Decodable {
            let ids: [Int]
            let padding: Int
            let untruncated: [Int]?
        }
        /// An index into the prompts and transformers 5's case for it.
        struct FastCase: Decodable {
            let index: Int
            let expected: Case
            init(from decoder: Decoder) throws {
                var container = try decoder.unkeyedContainer()
                index = try container.decode(Int.self)
                expected = try container.decode(Case.self)
            }
        }
        struct PadCases: Decodable {
            let prompts: [Case]
            let added: [Case]
            /// transformers 5's cases where they differ from the slow tokenizer's.
            let fast_prompts: [FastCase]
            let fast_added: [FastCase]
        }
        let max_length: Int
        let prompts: [String]
        let added_tokens: [String]
        let new_token_count: Int
        let added_prompts: [String]
        let tokens: [[String]]
        let pad_tokens: [String: PadCases]
        let trie: TrieCases
        let flags: FlagCases
        let random_unicode: RandomUnicodeCases
    }
    struct FlagCases: Decodable {
        struct Token: Decodable {
            let content: String
            let lstrip: Bool
            let rstrip: Bool
            let singleWord: Bool
            init(from decoder: Decoder) throws {
                var container = try decoder.unkeyedContainer()
                content = try container.decode(String.self)
                lstrip = try container.decode(Bool.self)
                rstrip = try container.decode(Bool.self)
                singleWord = try container.decode(Bool.self)
            }
        }
        let added_tokens: [Token]
        let new_token_count: Int
        let prompts: [String]
        let ids: [[Int]]
    }
    struct RandomUnicodeCases: Decodable {
        let python_unicode_version: String
        let prompts: [String]
        let ids: [String: [[Int]]]
    }
    struct TrieCases: Decodable {
        let added_tokens: [String]
        let new_token_count: Int
        let prompts: [String]
        let ids: [[Int]]
    }

    static func reference() throws -> Reference {
        let data = try Data(contentsOf: folder.appendingPathComponent("clip_reference.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }
}

@Suite struct CLIPTokenizerReferenceTests {
    static let padTokens = ["<|endoftext|>", "!"]

    /// Compares one prompt's encodings with transformers' (padded and truncated, and untruncated).
    func check(
        _ tokenizer: CLIPTokenizer, prompt: String, expected: TokenizerFixtures.Reference.Case, padToken: String
    ) {
        let encoding = tokenizer.encode(prompt)
        let padded = expected.ids + Array(repeating: tokenizer.padTokenID, count: expected.padding)
        let mask = Array(repeating: 1, count: expected.ids.count) + Array(repeating: 0, count: expected.padding)
        #expect(encoding.inputIDs == padded, "pad \(padToken): \(prompt.debugDescription)")
        #expect(encoding.attentionMask == mask, "pad \(padToken): \(prompt.debugDescription)")
        let untruncated = tokenizer.encode(prompt, padding: .none, truncation: false)
        #expect(untruncated.inputIDs == (expected.untruncated ?? expected.ids), "\(prompt.debugDescription)")
        #expect(untruncated.attentionMask == Array(repeating: 1, count: untruncated.inputIDs.count))
    }

    @Test("Hugging Face ids for every reference prompt", arguments: padTokens)
    func prompts(padToken: String) throws {
        let reference = try TokenizerFixtures.reference()
        let cases = try #require(reference.pad_tokens[padToken])
        #expect(reference.prompts.count >= 200)
        #expect(cases.prompts.count == reference.prompts.count)
        var tokenizer = try CLIPTokenizer.bundledCLIP(padToken: padToken)
        tokenizer.compatibility = .slow
        #expect(tokenizer.maxLength == reference.max_length)
        for (prompt, expected) in zip(reference.prompts, cases.prompts) {
            check(tokenizer, prompt: prompt, expected: expected, padToken: padToken)
        }
    }

    @Test("Hugging Face ids with textual-inversion tokens added", arguments: padTokens)
    func addedTokens(padToken: String) throws {
        let reference = try TokenizerFixtures.reference()
        let cases = try #require(reference.pad_tokens[padToken])
        var tokenizer = try CLIPTokenizer.bundledCLIP(padToken: padToken)
        tokenizer.compatibility = .slow
        #expect(tokenizer.addTokens(reference.added_tokens) == reference.new_token_count)
        #expect(cases.added.count == reference.added_prompts.count)
        for (prompt, expected) in zip(reference.added_prompts, cases.added) {
            check(tokenizer, prompt: prompt, expected: expected, padToken: padToken)
        }
    }

    /// Applies transformers 5's differing cases over the slow ones.
    func fastCases(_ slow: [TokenizerFixtures.Reference.Case], _ fast: [TokenizerFixtures.Reference.FastCase])
        -> [TokenizerFixtures.Reference.Case]
    {
        var cases = slow
        for entry in fast { cases[entry.index] = entry.expected }
        return cases
    }

    @Test("transformers 5 (tokenizers) ids in the default (fast) compatibility mode", arguments: padTokens)
    func fastCompatibility(padToken: String) throws {
        let reference = try TokenizerFixtures.reference()
        let cases = try #require(reference.pad_tokens[padToken])
        #expect(!cases.fast_prompts.isEmpty)
        var tokenizer = try CLIPTokenizer.bundledCLIP(padToken: padToken)
        #expect(tokenizer.compatibility == .fast)
        for (prompt, expected) in zip(reference.prompts, fastCases(cases.prompts, cases.fast_prompts)) {
            check(tokenizer, prompt: prompt, expected: expected, padToken: padToken)
        }
        #expect(tokenizer.addTokens(reference.added_tokens) == reference.new_token_count)
        for (prompt, expected) in zip(reference.added_prompts, fastCases(cases.added, cases.fast_added)) {
            check(tokenizer, prompt: prompt, expected: expected, padToken: padToken)
        }
    }

    @Test("Overlapping added tokens are cut where transformers' trie cuts them")
    func overlappingAddedTokens() throws {
        let trie = try TokenizerFixtures.reference().trie
        var tokenizer = try CLIPTokenizer.bundledCLIP()
        tokenizer.compatibility = .slow
        #expect(tokenizer.addTokens(trie.added_tokens) == trie.new_token_count)
        for (prompt, ids) in zip(trie.prompts, trie.ids) {
            #expect(tokenizer.encode(prompt, padding: .none).inputIDs == ids, "\(prompt.debugDescription)")
        }
    }

    /// Random code points from every plane, unassigned and private-use ones included. transformers drops the
    /// characters its Python's Unicode tables do not know, so the tokenizer is told that version.
    @Test(arguments: padTokens)
    func randomUnicode(padToken: String) throws {
        let cases = try TokenizerFixtures.reference().random_unicode
        let version = cases.python_unicode_version.split(separator: ".").compactMap { Int($0) }
        try #require(version.count >= 2)
        var tokenizer = try CLIPTokenizer.bundledCLIP(padToken: padToken)
        tokenizer.compatibility = .slow
        tokenizer.pythonUnicodeVersion = (major: version[0], minor: version[1])
        let expected = try #require(cases.ids[padToken])
        for (prompt, ids) in zip(cases.prompts, expected) {
            #expect(tokenizer.encode(prompt, padding: .none, truncation: false).inputIDs == ids,
                    "\(prompt.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // Without the version, a character newer than that Python (U+1FAE8, Unicode 15.0) is kept.
        tokenizer.pythonUnicodeVersion = nil
        #expect(tokenizer.encode(cases.prompts[0], padding: .none).inputIDs != expected[0])
    }

    @Test("Added tokens with lstrip, rstrip and single_word behave as in transformers")
    func addedTokenFlags() throws {
        let flags = try TokenizerFixtures.reference().flags
        var tokenizer = try CLIPTokenizer.bundledCLIP()
        tokenizer.compatibility = .slow
        let tokens = flags.added_tokens.map {
            CLIPTokenizer.AddedToken(
                content: $0.content, stripsLeft: $0.lstrip, stripsRight: $0.rstrip, isSingleWord: $0.singleWord)
        }
        #expect(tokenizer.addTokens(tokens) == flags.new_token_count)
        for (prompt, ids) in zip(flags.prompts, flags.ids) {
            #expect(tokenizer.encode(prompt, padding: .none).inputIDs == ids, "\(prompt.debugDescription)")
        }
    }

    @Test func tokenTexts() throws {
        let reference = try TokenizerFixtures.reference()
        var tokenizer = try CLIPTokenizer.bundledCLIP()
        tokenizer.compatibility = .slow
        for (prompt, tokens) in zip(reference.prompts, reference.tokens) {
            #expect(tokenizer.tokenize(prompt) == tokens, "\(prompt.debugDescription)")
        }
    }

    @Test("Tokenising from many tasks at once gives the same ids (shared word cache)")
    func concurrentEncoding() async throws {
        let reference = try TokenizerFixtures.reference()
        var slow = try CLIPTokenizer.bundledCLIP()
        slow.compatibility = .slow
        let tokenizer = slow
        let cases = try #require(reference.pad_tokens["<|endoftext|>"]).prompts
        let prompts = reference.prompts
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<4 {
                group.addTask {
                    var mismatches = 0
                    for index in stride(from: task, to: prompts.count, by: 2) {
                        if tokenizer.encode(prompts[index]).inputIDs.prefix(cases[index].ids.count)
                            != cases[index].ids[...]
                        {
                            mismatches += 1
                        }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
