import ArgumentParser
import Foundation
import LetheDistributed
import LetheModels
import LetheTensor
import LetheWorld

/// `lethe world privacy`: the privacy–utility table of differentially private textual inversion in the world.
struct WorldPrivacy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Measure how well differentially private textual inversion still captures a world concept, at several ε.",
        discussion: """
            For each --images N, the first N single-object pictures of --concept in the world's train split are \
            the private images. A token is learned from them without privacy and at each --epsilon (DP-SGD: Poisson \
            samples of expected size --batch-size, each example's gradient clipped to --dp-max-grad-norm, σ found \
            for the ε as Opacus's get_noise_multiplier finds it, δ 1/(10 N) unless --dp-delta). Each token then \
            replaces the concept's word in --prompts seeded captions naming it, the model draws them (one image \
            each, 20-step DDIM) and the world's judge says how often the concept is shown. Two rows bound the \
            table: the captions with the concept's own word, and with the word the token starts from. Writes \
            privacy.json, privacy.md, a labelled grid, the private images (images-N/) and the learned embeddings \
            (embeddings/) to --output. Under mpirun the training and the drawing are shared out across the ranks. \
            Example:
              lethe world privacy --concept triangle --output privacy-triangle
            """)

    /// The library's defaults, which the flags' defaults show (the concept does not change them).
    private static let defaults = WorldPrivacyUtility(concept: .shape(.circle))

    @OptionGroup var modelOption: ModelOption
    @OptionGroup var judgeOption: JudgeOption

    @Option(help: ArgumentHelp("A shape, colour or artist of the world.", valueName: "concept"))
    var concept: String

    @Option(help: ArgumentHelp("Sizes of the private image set; repeat for several. Default: 30 and 300.", valueName: "n"))
    var images: [Int] = []

    @Option(help: ArgumentHelp("ε of a private run; repeat for several. Default: 8, 1 and 0.1.", valueName: "epsilon"))
    var epsilon: [Double] = []

    @Option(help: ArgumentHelp("δ of every private run. Default: 1 / (10 × images).", valueName: "delta"))
    var dpDelta: Double?

    @Option(help: ArgumentHelp("C: each example's gradient-norm bound in the private runs.", valueName: "C"))
    var dpMaxGradNorm = Self.defaults.maxGradientNorm

    @Option(help: ArgumentHelp("Seed of the private runs' noise and sampling. Default: a secret one per run.", valueName: "n"))
    var dpSeed: UInt64?

    @Option(help: ArgumentHelp("Textual inversion's steps.", valueName: "n"))
    var steps = Self.defaults.steps

    @Option(help: ArgumentHelp("Textual inversion's learning rate.", valueName: "lr"))
    var lr = Self.defaults.learningRate

    @Option(help: ArgumentHelp("Samples per step across all ranks (the expected size in the private runs).", valueName: "n"))
    var batchSize = Self.defaults.batchSize

    @Option(help: ArgumentHelp("Captions naming the concept, one image each.", valueName: "n"))
    var prompts = Self.defaults.prompts

    @Option(parsing: .unconditional, help: "Seed of the private images, the captions, the training and every image.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("The folder to write (new, or one lethe world privacy wrote with --overwrite).", valueName: "dir"))
    var output = "lethe-privacy"

    @Flag(help: "Print privacy.json's object instead of the table.") var json = false
    @Flag(help: "Replace --output if lethe world privacy wrote it.") var overwrite = false

    var imageCounts: [Int] { images.isEmpty ? Self.defaults.imageCounts : images }
    var epsilons: [Double] { epsilon.isEmpty ? Self.defaults.epsilons : epsilon }

    func validate() throws {
        guard WorldConcept(named: concept) != nil else {
            throw ValidationError("--concept '\(concept)' is not a shape, colour or artist of the world (\(WorldConcept.allNames))")
        }
        for count in imageCounts where !(1...100_000).contains(count) {
            throw ValidationError("--images must be between 1 and 100000, got \(count)")
        }
        for value in epsilons where !(value > 0 && value.isFinite) {
            throw ValidationError("--epsilon must be a positive number, got \(value)")
        }
        if let dpDelta, !(dpDelta > 0 && dpDelta < 1) { throw ValidationError("--dp-delta must lie in (0, 1), got \(dpDelta)") }
        guard dpMaxGradNorm > 0, dpMaxGradNorm.isFinite else { throw ValidationError("--dp-max-grad-norm must be a positive number, got \(dpMaxGradNorm)") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        for count in imageCounts where batchSize > count {
            throw ValidationError("--batch-size \(batchSize) is more than the \(count) images of an --images set; the expected batch must be at most the set")
        }
        guard (1...1000).contains(prompts) else { throw ValidationError("--prompts must be between 1 and 1000, got \(prompts)") }
    }

    func utility() -> WorldPrivacyUtility {
        var utility = WorldPrivacyUtility(concept: WorldConcept(named: concept)!)
        utility.imageCounts = imageCounts.sorted()
        utility.epsilons = epsilons.sorted(by: >)
        utility.delta = dpDelta
        utility.maxGradientNorm = dpMaxGradNorm
        utility.privacySeed = dpSeed
        utility.steps = steps
        utility.learningRate = lr
        utility.batchSize = batchSize
        utility.prompts = prompts
        utility.drawing.seed = seed
        return utility
    }

    static let marker = ".lethe-world-privacy"

    func run() throws {
        let world = try Communicator.world()
        let console = Console(prints: world.rank == 0)
        let model = try modelOption.url()
        // The model and the judge are read before the output folder is made, so a bad input leaves nothing behind.
        _ = try DiffusersModelFolder(url: model)
        let judge = try judgeOption.load()
        if world.rank == 0 {
            try ResultFolder.prepare(output, command: "lethe world privacy", finished: "privacy.json", marker: Self.marker,
                                     overwrite: overwrite)
        }
        try world.barrier()
        var bar: ProgressBar?
        var stage = ""
        let result = try BLASThreads.with(1) {
            try utility().run(model: model, judge: judge, output: URL(fileURLWithPath: output), communicator: world,
                              log: { console.log($0) },
                              progress: { name, done, total in
                                  if name != stage { stage = name; bar = console.progress(name, total: total) }
                                  bar?.update(done)
                              })
        }
        guard world.rank == 0 else { return }
        if json {
            print(String(decoding: try Data(contentsOf: URL(fileURLWithPath: output).appendingPathComponent("privacy.json")), as: UTF8.self))
            return
        }
        WorldPrivacyUtility.table(result).forEach { print($0) }
        print("wrote \(output) (privacy.json, privacy.md, \(result.grid), embeddings/, images-N/)")
    }
}
