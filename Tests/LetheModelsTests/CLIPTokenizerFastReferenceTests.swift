import Foundation
import LetheModels
import LetheTestSupport
import Testing

/// transformers 5's ids (what diffusers gets today, and the tokenizer's default mode) for 437 prompts, loading the two
/// pipeline fixtures' tokenizer folders: sd1-tiny (vocab.json + merges.txt, pad <|endoftext|>) and sd2-tiny
/// (tokenizer.json, pad "!"). Scripts/reference/make_tokenizer_fixtures.py --fast-only.
enum FastTokenizerFixture {
    struct Case: Decodable {
        let ids: [Int]
        let padding: Int
        let untruncated: [Int]?
    }
    struct Folder: Decodable {
        let pad_token: String
        let pad_token_id: Int
        let layout: [String]
        let cases: [Case]
        let tokens: [[String]]
    }
    struct Reference: Decodable {
        let source: String
        let max_length: Int
        let prompts: [String]
        let parity_prompts: [String]
        let folders: [String: Folder]
    }

    static func reference() throws -> Reference {
        let url = try TokenizerFixtures.folder.appendingPathComponent("clip_reference_fast.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func tokenizerFolder(_ name: String) -> URL {
        Fixture.pipeline(name).appendingPathComponent("tokenizer")
    }
}

@Suite struct CLIPTokenizerFastReferenceTests {
    static let folders = ["sd1-tiny", "sd2-tiny"]

    @Test("A folder loads in transformers 5's mode unless told otherwise")
    func defaultIsFast() throws {
        #expect(CLIPTokenizer.defaultCompatibility == .fast)
        for name in Self.folders {
            #expect(try CLIPTokenizer(folder: FastTokenizerFixture.tokenizerFolder(name)).compatibility == .fast)
            let slow = try CLIPTokenizer(folder: FastTokenizerFixture.tokenizerFolder(name), compatibility: .slow)
            #expect(slow.compatibility == .slow)
        }
        #expect(try CLIPTokenizer.bundledCLIP().compatibility == .fast)
    }

    /// Every prompt, padded and truncated as the pipeline feeds the text encoder, and untruncated.
    @Test("transformers 5 ids for every prompt, both folder layouts", arguments: folders)
    func everyPrompt(folder name: String) throws {
        let reference = try FastTokenizerFixture.reference()
        let folder = try #require(reference.folders[name])
        #expect(reference.prompts.count >= 400)
        #expect(folder.cases.count == reference.prompts.count)
        // The two layouts are what the fixture says they are.
        #expect(folder.layout.contains(name == "sd1-tiny" ? "vocab.json" : "tokenizer.json"))
        #expect(!folder.layout.contains(name == "sd1-tiny" ? "tokenizer.json" : "vocab.json"))
        let tokenizer = try CLIPTokenizer(folder: FastTokenizerFixture.tokenizerFolder(name))
        #expect(tokenizer.padToken == folder.pad_token)
        #expect(tokenizer.padTokenID == folder.pad_token_id)
        #expect(tokenizer.maxLength == reference.max_length)
        var mismatches = 0
        for (prompt, expected) in zip(reference.prompts, folder.cases) {
            let encoding = tokenizer.encode(prompt)
            let padded = expected.ids + Array(repeating: folder.pad_token_id, count: expected.padding)
            let mask = Array(repeating: 1, count: expected.ids.count) + Array(repeating: 0, count: expected.padding)
            let untruncated = tokenizer.encode(prompt, padding: .none, truncation: false).inputIDs
            if encoding.inputIDs != padded || encoding.attentionMask != mask
                || untruncated != (expected.untruncated ?? expected.ids)
            {
                mismatches += 1
                Issue.record("\(name): \(prompt.debugDescription): \(encoding.inputIDs.prefix(expected.ids.count + 1)) vs \(padded.prefix(expected.ids.count + 1))")
            }
            // What `generate` warns about is what transformers cut.
            #expect((tokenizer.truncatedPart(of: prompt) != nil) == (expected.untruncated != nil), "\(prompt.debugDescription)")
        }
        print("\(name): \(reference.prompts.count - mismatches) of \(reference.prompts.count) prompts equal \(reference.source)")
    }

    @Test("transformers 5 token texts", arguments: folders)
    func tokenTexts(folder name: String) throws {
        let reference = try FastTokenizerFixture.reference()
        let folder = try #require(reference.folders[name])
        let tokenizer = try CLIPTokenizer(folder: FastTokenizerFixture.tokenizerFolder(name))
        for (prompt, tokens) in zip(reference.prompts, folder.tokens) {
            #expect(tokenizer.tokenize(prompt) == tokens, "\(name): \(prompt.debugDescription)")
        }
    }

    /// The fixture holds the case classes the tokenizers differ on, and the slow mode really differs on CJK (so the
    /// default matters), while both agree on plain English.
    @Test func parityPromptsCoverTheCases() throws {
        let reference = try FastTokenizerFixture.reference()
        let prompts = reference.prompts
        #expect(prompts.contains { $0.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } })
        #expect(prompts.contains { $0.unicodeScalars.contains { (0x1F300...0x1FAFF).contains($0.value) } })
        #expect(prompts.contains { $0.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" } })
        for corner in ["\u{DF}", "\u{130}", "\u{1C5}", "(cat:1.2)", "\u{E9}"] {
            #expect(prompts.contains { $0.contains(corner) }, "\(corner)")
        }
        #expect(reference.folders.values.allSatisfy { $0.cases.contains { $0.untruncated != nil } })
        for parity in reference.parity_prompts { #expect(prompts.contains(parity)) }

        let folder = FastTokenizerFixture.tokenizerFolder("sd1-tiny")
        let fast = try CLIPTokenizer(folder: folder)
        let slow = try CLIPTokenizer(folder: folder, compatibility: .slow)
        #expect(fast.encode("a photo of \u{6771}\u{4EAC}") != slow.encode("a photo of \u{6771}\u{4EAC}"))
        #expect(fast.encode("a photo of an astronaut") == slow.encode("a photo of an astronaut"))
    }
}
