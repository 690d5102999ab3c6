import ArgumentParser
import Foundation
import LetheDistributed
import LetheIO
import LetheModels
import LetheTensor
import LetheWorld

/// `lethe eval`: erased models judged in the world (`run`, the default) and their evaluations gathered (`report`).
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure erasures in the world, with attacks, and gather the results.",
        subcommands: [EvalRun.self, EvalReport.self], defaultSubcommand: EvalRun.self)
}

/// `lethe eval [run]`: an erased model judged against its base model in the world, with attacks.
struct EvalRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure an erasure in the world: how often the concept is still drawn, what else is lost, and how it fares under attack.",
        discussion: """
            Both models (--model, the erased one, and --baseline) draw the same seeded captions, one image each, and \
            the world's judge says what each shows. For each --concept: the erased rate (captions naming it in the \
            training phrasings), the synonym rate (a shape's synonym, reordered captions, held-out shape x colour x \
            artist triples) and three attacks on the erased model: RECE's closed-form adversarial embedding of each \
            naming caption (solved from both models' attn2 keys and values), textual inversion re-learning the concept \
            on the erased model from the base model's pictures of it (then the naming captions with the learned \
            token), and paraphrases. Preservation on captions naming none of the concepts: the judge's accuracy \
            relative to the base model's and the Fréchet distance of the two models' pictures in the judge's \
            penultimate features. Writes eval.json, eval.md, labelled grids and report.html (a page a browser opens \
            from disk: the numbers, the grids, SVG charts) to --output, and the attack's learned embeddings under \
            inversion/. Under mpirun the images are shared out across the ranks. `lethe eval report` gathers several \
            evaluations into one page and table. Example:
              lethe uce --concept "Ilse Varga" --output uce-ilse
              lethe eval --model uce-ilse --concept "Ilse Varga" --output eval-uce-ilse
            """)

    @OptionGroup var modelOption: ModelOption

    @Option(help: ArgumentHelp("The base model the erased one came from. Default: the world's model, which ships with Lethe.",
                               valueName: "dir"))
    var baseline: String?

    @OptionGroup var judgeOption: JudgeOption

    @Option(help: ArgumentHelp("A shape, colour or artist of the world the model was erased of; repeat for several.",
                               valueName: "concept"))
    var concept: [String] = []

    @Option(help: ArgumentHelp("The folder to write (new, or one lethe eval wrote with --overwrite).", valueName: "dir"))
    var output = "lethe-eval"

    @Option(help: ArgumentHelp("Captions per set (naming, not given, paraphrases, preservation).", valueName: "n"))
    var prompts = WorldEvaluation(concepts: []).prompts
    @Option(help: ArgumentHelp("DDIM steps per image.", valueName: "n")) var steps = WorldDrawing().steps
    @Option(help: ArgumentHelp("Classifier-free guidance scale.", valueName: "scale")) var guidance = WorldDrawing().guidanceScale
    @Option(parsing: .unconditional, help: "Seed of the captions' words and of every image.") var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Attacks to run (default: all three).", valueName: "attack"))
    var attack: [WorldEvaluation.Attack] = WorldEvaluation.Attack.allCases
    @Flag(help: "Run no attack.") var noAttacks = false
    @Option(help: ArgumentHelp("Textual inversion's steps in the re-learning attack.", valueName: "n"))
    var inversionSteps = WorldEvaluation(concepts: []).inversionSteps
    @Option(help: ArgumentHelp("Textual inversion's learning rate in the re-learning attack.", valueName: "lr"))
    var inversionLr = WorldEvaluation(concepts: []).inversionLearningRate

    @Flag(help: "Print eval.json's object instead of the table.") var json = false
    @Flag(help: "Replace --output if lethe eval wrote it.") var overwrite = false

    func validate() throws {
        guard !concept.isEmpty else { throw ValidationError("give at least one --concept (\(WorldConcept.allNames))") }
        for name in concept where WorldConcept(named: name) == nil {
            throw ValidationError("--concept '\(name)' is not a shape, colour or artist of the world (\(WorldConcept.allNames))")
        }
        guard (1...1000).contains(prompts) else { throw ValidationError("--prompts must be between 1 and 1000, got \(prompts)") }
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be between 1 and 1000, got \(steps)") }
        guard guidance.isFinite else { throw ValidationError("--guidance must be a number, got \(guidance)") }
        guard inversionSteps >= 1 else { throw ValidationError("--inversion-steps must be at least 1, got \(inversionSteps)") }
        guard inversionLr > 0, inversionLr.isFinite else { throw ValidationError("--inversion-lr must be a positive number, got \(inversionLr)") }
    }

    func evaluation() -> WorldEvaluation {
        var evaluation = WorldEvaluation(concepts: concept.compactMap(WorldConcept.init(named:)))
        evaluation.prompts = prompts
        evaluation.drawing.steps = steps
        evaluation.drawing.guidanceScale = guidance
        evaluation.drawing.seed = seed
        evaluation.attacks = noAttacks ? [] : Set(attack)
        evaluation.inversionSteps = inversionSteps
        evaluation.inversionLearningRate = inversionLr
        return evaluation
    }

    /// The empty file lethe eval writes first into a folder it makes, so that --overwrite may replace an
    /// evaluation that was cut off before its eval.json.
    static let marker = ".lethe-eval"

    func run() throws {
        let world = try Communicator.world()
        let console = Console(prints: world.rank == 0)
        let folder = URL(fileURLWithPath: output)
        guard let baselinePath = baseline ?? ModelOption.bundledPath else { throw ModelOption.missingDefault }
        let baselineURL = URL(fileURLWithPath: baselinePath)
        let model = try modelOption.url()
        // Both models and the judge are read before the output folder is made, so a bad input leaves nothing behind.
        _ = try DiffusersModelFolder(url: model)
        _ = try DiffusersModelFolder(url: baselineURL)
        let judge = try judgeOption.load()
        if world.rank == 0 {
            try ResultFolder.prepare(output, command: "lethe eval", finished: "eval.json", marker: Self.marker, overwrite: overwrite)
        }
        try world.barrier()
        var bar: ProgressBar?
        var stage = ""
        let result = try BLASThreads.with(1) {
            try evaluation().run(erased: model, baseline: baselineURL, judge: judge, output: folder, communicator: world,
                                 log: { console.log($0) },
                                 progress: { name, done, total in
                                     if name != stage { stage = name; bar = console.progress("eval \(name)", total: total) }
                                     bar?.update(done)
                                 })
        }
        guard world.rank == 0 else { return }
        if json {
            print(String(decoding: try Data(contentsOf: folder.appendingPathComponent("eval.json")), as: UTF8.self))
            return
        }
        WorldEvaluation.summary(result).forEach { print($0) }
        print("wrote \(output) (eval.json, eval.md, \(([result.preservationGrid] + result.concepts.map(\.grid)).joined(separator: ", ")))")
    }
}

extension WorldEvaluation.Attack: ExpressibleByArgument {}

/// `lethe eval report`: several evaluations in one page and one table.
struct EvalReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Gather evaluations (folders lethe eval wrote) into one report.html and one results table.",
        discussion: """
            Reads eval.json and the grids of each folder and writes to --output: report.html (the table, the erased \
            rate and preserved accuracy against the number of erased concepts per method, attack success per \
            model, every grid; self-contained) and results.md (the table in Markdown). Each row is labelled by the \
            method the erased model's erasure-report.json names and its concepts.
            """)

    @Argument(help: ArgumentHelp("Folders lethe eval wrote, in the order of the table.", valueName: "eval-dir"))
    var folders: [String]

    @Option(help: ArgumentHelp("The folder to write report.html and results.md to (made if missing).", valueName: "dir"))
    var output = "lethe-results"

    @Option(help: "The page's title.") var title = "Lethe: measured erasure in the world"

    func run() throws {
        let entries = try folders.map { path in
            let folder = URL(fileURLWithPath: path)
            let file = folder.appendingPathComponent("eval.json")
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw ValidationError("'\(path)' has no eval.json; give folders lethe eval wrote")
            }
            let result: WorldEvaluationResult
            do {
                result = try JSONDecoder().decode(WorldEvaluationResult.self, from: Data(contentsOf: file))
            } catch {
                throw ValidationError("\(file.path) is not an eval.json lethe eval wrote: \(error)")
            }
            return WorldEvaluationReport.Entry(result: result, folder: folder)
        }
        let report = WorldEvaluationReport(title: title, entries: entries)
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(try report.html().utf8).write(to: folder.appendingPathComponent("report.html"), options: .atomic)
        try Data(report.markdownTable().utf8).write(to: folder.appendingPathComponent("results.md"), options: .atomic)
        print(report.markdownTable(), terminator: "")
        print("wrote \(output) (report.html, results.md) from \(entries.count) evaluation\(entries.count == 1 ? "" : "s")")
    }
}
