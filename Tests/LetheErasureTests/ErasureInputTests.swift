import Foundation
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// Bad input to the closed-form jobs gets a named error before anything is written.
@Suite struct ErasureInputTests {
    static let fixture = Fixture.pipeline("sd1-tiny")

    func run(_ settings: UCESettings, rece: RECESettings? = nil) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        var job = ClosedFormErasureJob(model: Self.fixture, uce: settings, rece: rece, output: output)
        job.probe = nil
        defer { #expect(!FileManager.default.fileExists(atPath: output.path), "a failed job left an output") }
        _ = try job.run(communicator: .singleProcess())
    }

    @Test func emptyConceptIsRejected() throws {
        #expect(throws: ErasureError.emptyConcept(.concept)) {
            try run(UCESettings(concepts: ["  "]))
        }
    }

    /// Changed on purpose: a concept past 77 tokens was refused; it is now cut as diffusers and the authors' code
    /// (`truncation=True`) cut it, with the pipeline's warning naming the option and what was cut.
    @Test func conceptLongerThanTheEncoderIsCutWithAWarning() throws {
        let long = Array(repeating: "painting", count: 80).joined(separator: " ")
        let folder = try DiffusersModelFolder(url: Self.fixture)
        let tokenizer = try CLIPTokenizer(folder: folder.componentFolder("tokenizer"))
        let encoder = PromptEncoder(tokenizer: tokenizer, textEncoder: try CLIPTextModel(folder: folder), communicator: .singleProcess())
        try encoder.validate(long, argument: .concept)
        let settings = UCESettings(concepts: [long, "cat"], guides: ["art"], preserve: [long])
        #expect(settings.truncationWarnings(tokenizer: tokenizer) == [
            "`concept`: the following part of your input was truncated because CLIP can only handle sequences up to 77 tokens: painting painting painting painting painting",
            "`preserve`: the following part of your input was truncated because CLIP can only handle sequences up to 77 tokens: painting painting painting painting painting",
        ])
        #expect(UCESettings(concepts: ["cat"]).truncationWarnings(tokenizer: tokenizer).isEmpty)
        // Many cut prompts (a preserve file) are quoted up to a limit, then counted.
        let many = (0..<15).map { "\($0) " + long }
        let warnings = UCESettings(concepts: ["cat"], preserve: many).truncationWarnings(tokenizer: tokenizer)
        #expect(warnings.count == PromptTruncation.maximumWarnings + 1)
        #expect(warnings.last == "5 more prompt(s) were truncated to 77 tokens")
    }

    @Test func noConceptIsRejected() throws {
        #expect(throws: ErasureError.self) { try run(UCESettings(concepts: [])) }
    }

    @Test func mismatchedGuidesAreRejected() throws {
        #expect(throws: ErasureError.invalidSetting(
            .guide, reason: "must be given once or once per concept (3), got 2")) {
            try run(UCESettings(concepts: ["a", "b", "c"], guides: ["x", "y"]))
        }
    }

    @Test func unknownWordsAreNamed() throws {
        // A tokenizer whose vocabulary lacks the concept's pieces maps them to its unknown token.
        let folder = try DiffusersModelFolder(url: Self.fixture)
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: files) }
        try Data(#"{"<|startoftext|>": 0, "<|endoftext|>": 1, "a</w>": 2, "a": 3}"#.utf8)
            .write(to: files.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\n".utf8).write(to: files.appendingPathComponent("merges.txt"))
        let tokenizer = try CLIPTokenizer(
            vocabularyFile: files.appendingPathComponent("vocab.json"), mergesFile: files.appendingPathComponent("merges.txt"))
        let encoder = PromptEncoder(tokenizer: tokenizer, textEncoder: try CLIPTextModel(folder: folder), communicator: .singleProcess())
        try encoder.validate("a", argument: .concept)
        #expect(throws: ErasureError.unknownWords(prompt: "a zebra", words: ["zebra"])) {
            try encoder.validate("a zebra", argument: .concept)
        }
    }

    @Test func modelWithoutCrossAttentionIsRejected() throws {
        let store = WeightStore(source: .random(RandomStream(seed: 0, purpose: "test", id: 0),
                                                layout: [("conv_in.weight", [4, 4]), ("down_blocks.0.attn1.to_k.weight", [4, 4])]))
        _ = try store.tensor("conv_in.weight", shape: [4, 4])
        _ = try store.tensor("down_blocks.0.attn1.to_k.weight", shape: [4, 4])
        #expect(throws: ErasureError.noCrossAttention(model: "unet-without-attn2")) {
            try CrossAttentionProjections(store: store, model: "unet-without-attn2")
        }
    }

    @Test func existingOutputIsKept() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-exists-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        var job = ClosedFormErasureJob(model: Self.fixture, uce: UCESettings(concepts: ["nudity"]), rece: nil, output: output)
        job.probe = nil
        #expect(throws: OutputError.exists(path: output.path, canOverwrite: true)) {
            _ = try job.run(communicator: .singleProcess())
        }
        // With --overwrite, a folder Lethe did not write (no model_index.json, no report) is still kept.
        try Data("keep".utf8).write(to: output.appendingPathComponent("notes.txt"))
        job.overwrite = true
        #expect(throws: OutputError.notReplaceable(path: output.path, expected: "a model folder Lethe wrote",
                                                   found: "a folder without model_index.json")) {
            _ = try job.run(communicator: .singleProcess())
        }
        #expect(try Data(contentsOf: output.appendingPathComponent("notes.txt")) == Data("keep".utf8))
    }
}
