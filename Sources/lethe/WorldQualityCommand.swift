import ArgumentParser
import Foundation
import LetheDiffusion
import LetheIO
import LetheModels
import LetheTensor
import LetheWorld

/// `lethe world quality`: how well a model draws what the world's captions ask for, judged.
struct WorldQualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Judge how often a model draws the prompted shape, colour and artist (train and held-out captions).",
        discussion: """
            Draws --prompts seeded single-object captions of the train split and as many of the held-out split \
            (shape x colour x artist triples never in training), --images each with 20-step DDIM, and reports the \
            share of images the judge sees the prompted shape in, the prompted colour in and, for captions that \
            name one, the prompted artist. The world's bar: shape and colour at least 80 %, artist at least 70 %, \
            on both sets.
            """)

    @OptionGroup var modelOption: ModelOption

    @OptionGroup var judgeOption: JudgeOption

    @Option(help: ArgumentHelp("Captions per set.", valueName: "n"))
    var prompts = 32

    @Option(help: ArgumentHelp("Images per caption.", valueName: "n"))
    var images = 2

    @Option(help: ArgumentHelp("DDIM steps.", valueName: "n"))
    var steps = 20

    @Option(help: "Classifier-free guidance scale.")
    var guidance: Float = 5

    @Option(parsing: .unconditional, help: "Seed of the captions and pictures.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    /// The world's quality bar: shape, colour, artist.
    static let bar = (shape: 0.8, color: 0.8, artist: 0.7)

    func validate() throws {
        guard (1...10_000).contains(prompts) else { throw ValidationError("--prompts must be between 1 and 10000, got \(prompts)") }
        guard (1...16).contains(images) else { throw ValidationError("--images must be between 1 and 16, got \(images)") }
    }

    func run() throws {
        let pipeline = try StableDiffusionPipeline(folder: try DiffusersModelFolder(url: try modelOption.url()))
        let judge = try judgeOption.load()
        var quality = WorldQuality()
        quality.prompts = prompts
        quality.imagesPerPrompt = images
        quality.steps = steps
        quality.guidanceScale = guidance
        quality.seed = seed
        var results: [(String, WorldQuality.Rates)] = []
        // One OpenBLAS thread: on the world's small products more threads only hand work back and forth.
        try BLASThreads.with(1) {
            for split in [WorldSplit.train, .heldout] {
                let bar = ProgressBar("quality \(split.rawValue)", total: prompts)
                results.append((split.rawValue, try quality.measure(split, pipeline: pipeline, judge: judge) { done, _ in bar.update(done) }))
            }
        }
        let meets = results.allSatisfy { $0.1.shape >= Self.bar.shape && $0.1.color >= Self.bar.color && $0.1.artist >= Self.bar.artist }
        if json {
            let object = Dictionary(uniqueKeysWithValues: results.map { ($0.0, $0.1) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(object), as: UTF8.self))
            return
        }
        print("| captions | images | shape | colour | artist |")
        print("|---|---|---|---|---|")
        for (name, rates) in results {
            print(String(format: "| %@ | %d | %.0f %% | %.0f %% | %.0f %% |", name, rates.images, 100 * rates.shape,
                         100 * rates.color, 100 * rates.artist))
        }
        print(meets ? "meets the world's bar (shape, colour >= 80 %, artist >= 70 %)"
                    : "below the world's bar (shape, colour >= 80 %, artist >= 70 %)")
    }
}
