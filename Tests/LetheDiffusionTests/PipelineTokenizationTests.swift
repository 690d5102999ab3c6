import Foundation
import LetheDiffusion
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// The pipeline feeds its text encoder transformers 5's ids (what diffusers uses today) for CJK and emoji prompts:
/// the text encoder, UNet, VAE and schedulers are checked against diffusers elsewhere, so equal ids give diffusers'
/// image. The ids come from Tests/LetheModelsTests/Fixtures/tokenizer/clip_reference_fast.json.
@Suite struct PipelineTokenizationTests {

    struct Reference: Decodable {
        struct Case: Decodable {
            let ids: [Int]
            let padding: Int
        }
        struct Folder: Decodable {
            let pad_token_id: Int
            let cases: [Case]
        }
        let prompts: [String]
        let parity_prompts: [String]
        let folders: [String: Folder]
    }

    static func fixture() throws -> Reference {
        let url = Fixture.tests.appendingPathComponent("LetheModelsTests/Fixtures/tokenizer/clip_reference_fast.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func textEncoderGetsTransformers5IDs(family: String) throws {
        let fixture = try Self.fixture()
        let folder = try #require(fixture.folders[family])
        let pipeline = try StableDiffusionPipeline(
            folder: DiffusersModelFolder(url: Fixture.pipeline(family)))
        #expect(pipeline.tokenizer.compatibility == .fast)
        let nonASCII = fixture.parity_prompts.filter { $0.unicodeScalars.contains { $0.value > 0x7F } }
        #expect(nonASCII.count >= 20)
        for prompt in nonASCII {
            let index = try #require(fixture.prompts.firstIndex(of: prompt))
            let expected = folder.cases[index].ids + Array(repeating: folder.pad_token_id, count: folder.cases[index].padding)
            #expect(pipeline.tokenizer.encode(prompt).inputIDs == expected, "\(family): \(prompt.debugDescription)")
        }
        // The conditioning the UNet sees is the text encoder's output for exactly those ids.
        let prompt = "\u{6771}\u{4EAC}\u{30BF}\u{30EF}\u{30FC} at night \u{1F5FC}\u{2728}"
        let index = try #require(fixture.prompts.firstIndex(of: prompt))
        let ids = folder.cases[index].ids + Array(repeating: folder.pad_token_id, count: folder.cases[index].padding)
        let direct = try pipeline.textEncoder.promptEmbeddings(CLIPTextTokenIDs([ids]))
        #expect(try pipeline.encode(prompt: prompt).toArray() == direct.toArray())
    }

    /// `--tokenizer slow` (transformers 4) conditions on other ids for CJK text, so the choice reaches the encoder.
    @Test func slowModeDiffersOnCJK() throws {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny"))
        let fast = try StableDiffusionPipeline(folder: folder)
        let slow = try StableDiffusionPipeline(folder: folder, tokenizer: .slow)
        #expect(slow.tokenizer.compatibility == .slow)
        let prompt = "a photo of \u{6771}\u{4EAC}"
        #expect(try fast.encode(prompt: prompt).toArray() != slow.encode(prompt: prompt).toArray())
        #expect(try fast.encode(prompt: "a photo of a cat").toArray() == slow.encode(prompt: "a photo of a cat").toArray())
    }
}
