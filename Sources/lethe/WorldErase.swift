import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure
import LetheWorld

/// `lethe world erase`: UCE, RECE or Forget-Me-Not with the settings tuned for the world (`WorldErasure`), the
/// ones the demo and the README's results table use.
struct WorldErase: ErasureCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase world concepts with a method's settings tuned for the world (what the results table uses).",
        discussion: """
            UCE and RECE keep every other shape, colour and artist of the world, name an artist five ways with the \
            authors' art templates, and use erase scale 10 for a colour and 3 with preserve scale 1 for an artist; \
            RECE takes the authors' artist task when an artist is erased, else their object task. Forget-Me-Not \
            trains attn2 at lr 5e-4 for 35 steps on 8 pictures of each concept the base model draws, one concept \
            after another. --dry-run prints the lethe uce, rece or fmn commands that do the same, for reading or \
            for another model. Under mpirun UCE and RECE shard their solves and Forget-Me-Not its batch. Example:
              lethe world erase --method uce --concept red --output uce-red
              lethe eval --model uce-red --concept red --output eval-uce-red
            """)

    @OptionGroup var config: ConfigOption
    @OptionGroup var modelOption: ModelOption
    @Option(help: "uce, rece or fmn.") var method: WorldErasure.Method
    @Option(help: ArgumentHelp("A shape, colour or artist of the world; repeat for several at once.", valueName: "concept"))
    var concept: [String] = []
    @Option(help: "Forget-Me-Not only: training steps for each concept. Default: 35.") var steps: Int?
    @Option(help: "Forget-Me-Not only: pictures of each concept the base model draws. Default: 8.") var generateImages: Int?
    @Option(help: "Forget-Me-Not only: DDIM steps of those pictures. Default: 20.") var generationSteps: Int?
    @Flag(help: "Print the equivalent lethe commands and exit.") var dryRun = false
    @OptionGroup(title: "Running") var runtime: RuntimeOptions
    @Flag(help: "Replace --output if it is an erased model folder Lethe wrote (anything else is kept).") var overwrite = false
    @Option(help: "The erased model's folder.") var output: String

    var outputPath: String { output }
    var reportPath: String { (output as NSString).appendingPathComponent("erasure-report.json") }
    var concepts: [String] { concept }
    var inputPaths: [(role: String, path: String?)] { [("model", modelOption.resolved)] }

    func validate() throws {
        guard !concept.isEmpty else { throw ValidationError("give at least one --concept (\(WorldConcept.allNames))") }
        for name in concept where WorldConcept(named: name) == nil {
            throw ValidationError("--concept '\(name)' is not a shape, colour or artist of the world (\(WorldConcept.allNames))")
        }
        let named = concept.compactMap(WorldConcept.init(named:))
        guard Set(named).count == named.count else { throw ValidationError("--concept names a concept twice: \(concept)") }
        for (flag, value) in [("--steps", steps), ("--generate-images", generateImages), ("--generation-steps", generationSteps)] {
            guard let value else { continue }
            guard method == .fmn else { throw ValidationError("\(flag) is Forget-Me-Not's; --method \(method.rawValue) has no steps") }
            guard value > 0 else { throw ValidationError("\(flag) is \(value); it must be 1 or more") }
        }
    }

    func erasure() -> WorldErasure {
        var erasure = WorldErasure(method, concept.compactMap(WorldConcept.init(named:)))
        if let steps { erasure.fmnSteps = steps }
        if let generateImages { erasure.fmnImages = generateImages }
        if let generationSteps { erasure.fmnImageSteps = generationSteps }
        return erasure
    }

    func checkSettings() throws { try validate() }

    func run() throws {
        guard dryRun else { return try runErasure() }
        for arguments in erasure().commandLines(model: modelOption.model, output: output) {
            print((["lethe"] + arguments).map(Self.shellQuoted).joined(separator: " "))
        }
    }

    func erase(on communicator: Communicator, console: Console) throws -> ErasureReport {
        let erasure = erasure()
        for arguments in erasure.commandLines(model: modelOption.model, output: output) {
            console.log("as: " + (["lethe"] + arguments).map(Self.shellQuoted).joined(separator: " "))
        }
        return try erasure.run(model: try modelOption.url(), output: URL(fileURLWithPath: output), overwrite: overwrite,
                               communicator: communicator, log: console.log)
    }

    func summary(_ report: ErasureReport) -> String { ClosedFormRun.summary(report, output: output) }

    /// `word` as one shell word: as is when it is plain, else in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:".contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension WorldErasure.Method: ExpressibleByArgument {}
