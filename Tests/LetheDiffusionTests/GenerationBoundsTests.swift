import Foundation
import LetheDiffusion
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// Sizes and numbers of a generation request and of a scheduler_config.json are checked before any work, with
/// errors that name the flag or the file and key.
@Suite("Generation bounds")
struct GenerationBoundsTests {
    static let tiny = Fixture.pipeline("sd1-tiny")

    static func pipeline() throws -> StableDiffusionPipeline {
        try StableDiffusionPipeline(folder: DiffusersModelFolder(url: tiny))
    }

    /// The scheduler config of the tiny fixture with `key` set to `json`, written to a temporary file.
    static func schedulerFile(_ key: String, _ json: String) throws -> URL {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let source = tiny.appendingPathComponent("scheduler/scheduler_config.json")
        var object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        object[key] = value
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-scheduler-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url
    }

    @Test(arguments: [
        ("beta_start", "5"), ("beta_end", "1.0"), ("num_train_timesteps", "10000000000"), ("num_train_timesteps", "0"),
    ])
    func schedulerFileValuesNameTheFileAndKey(key: String, value: String) throws {
        let url = try Self.schedulerFile(key, value)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try SchedulerConfiguration(contentsOf: url)
            Issue.record("\(key) = \(value) was accepted")
        } catch let error as SchedulerError {
            guard case .invalidFileValue(let source, let reported, _, _) = error else {
                Issue.record("expected invalidFileValue, got \(error)")
                return
            }
            #expect(source == url.path && reported == key)
            #expect(error.description.contains(url.path) && error.description.contains(key))
        }
    }

    @Test func validSchedulerFilesStillLoad() throws {
        _ = try SchedulerConfiguration(contentsOf: Self.tiny.appendingPathComponent("scheduler/scheduler_config.json"))
        let url = try Self.schedulerFile("beta_end", "0.012")
        defer { try? FileManager.default.removeItem(at: url) }
        _ = try SchedulerConfiguration(contentsOf: url)
    }

    /// A bad number is named as the flag the user set, not reported later as a NaN denoising step.
    @Test func etaAndGuidanceAreCheckedFirst() throws {
        let pipeline = try Self.pipeline()
        var request = GenerationRequest(prompt: "a cat", seed: 0)
        request.steps = 1
        request.eta = .nan
        #expect(throws: GenerationError.invalidSetting(.eta, reason: "is nan; it must be between 0 (DDIM) and 1 (DDPM's variance)")) {
            try pipeline.generate(request)
        }
        request.eta = 2
        #expect(throws: GenerationError.self) { try pipeline.generate(request) }
        request.eta = 0
        request.guidanceScale = .infinity
        #expect(throws: GenerationError.self) { try pipeline.generate(request) }
    }

    @Test func sidesAndImageCountsAreBoundedBeforeAllocating() throws {
        let pipeline = try Self.pipeline()
        var request = GenerationRequest(prompt: "a cat", seed: 0)
        request.steps = 1
        request.height = 4_000_000_000_000_000_000
        #expect(throws: ResourceError.outOfRange(setting: .height, value: "4000000000000000000", minimum: 4, maximum: 16_384,
                                                 unit: "pixels")) { try pipeline.generate(request) }
        request.height = nil
        request.width = 2_147_483_648
        #expect(throws: ResourceError.self) { try pipeline.generate(request) }
        request.width = nil
        request.imagesPerPrompt = 100_000_000_000
        do {
            _ = try pipeline.generate(request)
            Issue.record("100000000000 images were accepted")
        } catch let error as ResourceError {
            guard case .exceedsMemory = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.contains("`imagesPerPrompt`"))
        }
    }

    @Test func memoryEstimateGrowsWithTheRequestAndOverflowsToNil() throws {
        let pipeline = try Self.pipeline()
        let one = try #require(pipeline.generationMemory(images: 1, height: 32, width: 32, guided: true))
        let four = try #require(pipeline.generationMemory(images: 4, height: 32, width: 32, guided: true))
        #expect(four == 4 * one)
        #expect(try #require(pipeline.generationMemory(images: 1, height: 64, width: 64, guided: true)) > 3 * one)
        #expect(pipeline.generationMemory(images: Int.max / 2, height: 512, width: 512, guided: true) == nil)
    }

    @Test func truncatedPromptPartIsDecoded() throws {
        let tokenizer = try Self.pipeline().tokenizer
        #expect(tokenizer.truncatedPart(of: "a photo of a cat") == nil)
        let words = [String](repeating: "cat", count: 80)
        #expect(tokenizer.truncatedPart(of: words.joined(separator: " ")) == "cat cat cat cat cat")
        let exact = [String](repeating: "dog", count: 75).joined(separator: " ")
        #expect(tokenizer.truncatedPart(of: exact) == nil)
        #expect(tokenizer.truncatedPart(of: exact + " and a café") == "and a café")
    }
}
