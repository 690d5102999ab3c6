import ArgumentParser
import Foundation
import LetheDistributed
import LetheIO
import LetheTensor
import LetheWorld

/// `lethe demo`: concepts erased from the world's model by three methods, judged and shown before and after.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Erase two shapes and an artist from the world's model and show them gone, judged and in pictures.",
        discussion: """
            On the world's model (or --model): RECE erases a shape (--rece), UCE an artist (--uce, with the \
            authors' art templates and more ways to name an artist) and Forget-Me-Not another shape (--fmn; on the \
            world's colours and artists it erases nothing short of breaking the model, see the README), each from \
            the base model. For every erasure the base and the erased model draw --prompts captions naming the concept and \
            --prompts naming others of its kind (one image each, same seeds), and the world's judge says what each \
            image shows. Prints a before/after table and writes to --output: <method>-<concept>.png (the labelled \
            before/after grid, the judged shape, colour or artist under each image), demo.md (the table, the grids \
            and their prompts), demo.json, and the erased models under models/. UCE and RECE preserve every other \
            shape, colour and artist; Forget-Me-Not trains the cross-attention only. Runs on one process (one \
            OpenBLAS thread); about a minute with the defaults.
            """)

    @OptionGroup var modelOption: ModelOption
    @OptionGroup var judgeOption: JudgeOption

    @Option(help: ArgumentHelp("The folder to write (new, or one lethe demo wrote with --overwrite).", valueName: "dir"))
    var output = "lethe-demo"

    @Option(help: ArgumentHelp("The concept RECE erases (a shape, colour or artist of the world).", valueName: "concept"))
    var rece = WorldDemo().erasures[0].concept.name
    @Option(help: ArgumentHelp("The concept UCE erases.", valueName: "concept"))
    var uce = WorldDemo().erasures[1].concept.name
    @Option(help: ArgumentHelp("The concept Forget-Me-Not erases.", valueName: "concept"))
    var fmn = WorldDemo().erasures[2].concept.name

    @Option(help: ArgumentHelp("Captions per prompt set (naming the concept; naming others of its kind).", valueName: "n"))
    var prompts = WorldDemo().prompts
    @Option(help: ArgumentHelp("DDIM steps per image.", valueName: "n")) var steps = WorldDemo().steps
    @Option(help: ArgumentHelp("Classifier-free guidance scale.", valueName: "scale")) var guidance = WorldDemo().guidanceScale
    @Option(parsing: .unconditional, help: "Seed of the prompts' words and of every image.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("Images of the concept Forget-Me-Not makes with the base model.", valueName: "n"))
    var fmnImages = WorldDemo().fmnImages
    @Option(help: ArgumentHelp("Forget-Me-Not's steps.", valueName: "n")) var fmnSteps = WorldDemo().fmnSteps
    @Option(help: ArgumentHelp("Forget-Me-Not's learning rate.", valueName: "lr")) var fmnLr = WorldDemo().fmnLearningRate
    @Flag(help: "Replace --output if lethe demo wrote it.") var overwrite = false
    @OptionGroup(title: "Watermark (the grids, where they are at least 256 x 256 pixels)") var watermarkOption: WatermarkOption

    func validate() throws {
        guard (1...1000).contains(prompts) else { throw ValidationError("--prompts must be between 1 and 1000, got \(prompts)") }
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be between 1 and 1000, got \(steps)") }
        guard (1...1000).contains(fmnImages) else { throw ValidationError("--fmn-images must be between 1 and 1000, got \(fmnImages)") }
        guard fmnSteps >= 1 else { throw ValidationError("--fmn-steps must be at least 1, got \(fmnSteps)") }
        guard fmnLr > 0, fmnLr.isFinite else { throw ValidationError("--fmn-lr must be a positive number, got \(fmnLr)") }
        guard guidance.isFinite else { throw ValidationError("--guidance must be a number, got \(guidance)") }
        for (flag, name) in [("--rece", rece), ("--uce", uce), ("--fmn", fmn)] where WorldConcept(named: name) == nil {
            throw ValidationError("\(flag) '\(name)' is not a shape, colour or artist of the world (\(WorldConcept.allNames))")
        }
    }

    func demo() -> WorldDemo {
        var demo = WorldDemo()
        demo.erasures = [.init(.rece, WorldConcept(named: rece)!), .init(.uce, WorldConcept(named: uce)!),
                         .init(.fmn, WorldConcept(named: fmn)!)]
        demo.prompts = prompts
        demo.steps = steps
        demo.guidanceScale = guidance
        demo.seed = seed
        demo.fmnImages = fmnImages
        demo.fmnSteps = fmnSteps
        demo.fmnLearningRate = fmnLr
        return demo
    }

    func run() throws {
        let world = try Communicator.world()
        guard world.size == 1 else {
            throw ValidationError("lethe demo runs as one process (it is \(world.size) ranks under mpirun); run it without mpirun")
        }
        let folder = URL(fileURLWithPath: output)
        let marker = folder.appendingPathComponent("demo.md")
        if FileManager.default.fileExists(atPath: folder.path) {
            guard overwrite else { throw ValidationError("--output '\(output)' exists; pass --overwrite to replace a demo there, or name a new folder") }
            guard FileManager.default.fileExists(atPath: marker.path) else {
                throw ValidationError("--output '\(output)' exists and lethe demo did not write it (no demo.md); it is kept")
            }
        }
        let model = try modelOption.url()
        let judge = try judgeOption.load()
        let demo = demo()
        let stamp = try watermarkOption.stamp()
        let started = Date()
        var bar: ProgressBar?
        var stage = ""
        let rows = try BLASThreads.with(1) {
            try demo.run(model: model, judge: judge, output: folder, overwrite: overwrite, communicator: world, stamp: stamp,
                         log: { _ in },  // the erasures' own logs; the table below says what they did
                         progress: { name, done, total in
                             if name != stage { stage = name; bar = ProgressBar("demo \(name)", total: total) }
                             bar?.update(done)
                         })
        }
        print(WorldDemo.tableHeader)
        rows.forEach { print(WorldDemo.tableLine($0)) }
        print(String(format: "wrote %@ (demo.md, %@) in %.0f s", output,
                     rows.map(\.grid).joined(separator: ", "), Date().timeIntervalSince(started)))
        if let stamp {
            let notes = stamp.notes
            print(notes.isEmpty ? "grids marked with the invisible watermark \(stamp.mark) (lethe watermark detect reads it)"
                : notes.map { "note: \($0)" }.joined(separator: "\n"))
        }
    }
}
