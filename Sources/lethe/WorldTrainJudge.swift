import ArgumentParser
import Foundation
import LetheDistributed
import LetheIO
import LetheWorld

/// `lethe world train-judge`: trains the world's judge from scratch and writes it as a folder `lethe judge` reads.
struct WorldTrainJudge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-judge",
        abstract: "Train the world's judge: a small classifier of the shapes, colours and artist an image shows.",
        discussion: """
            Trains a small convolutional network from scratch with AdamW on train-split pictures rendered on the fly \
            (a fresh batch every step, lightly blurred, tinted and noised so that the judge also reads images a small \
            Stable Diffusion decodes). Shapes and colours are multi-label heads (a picture holds one or two objects), \
            the artist a single-label head. Then measures each head's accuracy on --eval-count fresh pictures of \
            another seed, from the train split and from the held-out split. Under mpirun each rank renders and runs its \
            share of every batch; the result does not depend on the number of ranks. Writes config.json (sizes, \
            labels, training settings, the command and the accuracies) and model.safetensors (rank 0).
            """)

    @Option(help: "The judge folder to write (a new folder, or one this command wrote with --overwrite).")
    var output: String

    @Option(parsing: .unconditional, help: "Optimizer steps.") var steps = WorldJudgeTrainingOptions().steps
    @Option(parsing: .unconditional, help: "Pictures per step across all ranks.") var batchSize = WorldJudgeTrainingOptions().batchSize
    @Option(parsing: .unconditional, help: "AdamW learning rate.") var learningRate = WorldJudgeTrainingOptions().learningRate
    @Option(parsing: .unconditional, help: "AdamW weight decay.") var weightDecay = WorldJudgeTrainingOptions().weightDecay
    @Option(help: "Learning-rate schedule (constant, constant_with_warmup, linear, cosine, …).")
    var lrScheduler = WorldJudgeTrainingOptions().schedule
    @Option(parsing: .unconditional, help: "Warmup steps of the schedule.") var lrWarmupSteps = WorldJudgeTrainingOptions().warmupSteps
    @Option(parsing: .unconditional, help: "Seed of the initial weights, the training pictures and their augmentation.")
    var seed: UInt64 = 0
    @Flag(help: "Train on clean renders only (no blur, colour jitter or noise).") var noAugmentation = false
    @Option(parsing: .unconditional, help: "Fresh pictures per split to measure the accuracy on (0: skip).") var evalCount = 500
    @Option(parsing: .unconditional, help: "Seed of those pictures. Default: --seed + 1.") var evalSeed: UInt64?
    @Flag(help: "Replace an existing judge folder this command wrote.") var overwrite = false

    @OptionGroup var configOption: ConfigOption
    @OptionGroup(title: "Running") var runtime: RuntimeOptions

    func validate() throws {
        guard evalCount >= 0, evalCount <= 1_000_000 else {
            throw ValidationError("--eval-count must be between 0 and 1000000, got \(evalCount)")
        }
    }

    private var options: WorldJudgeTrainingOptions {
        var options = WorldJudgeTrainingOptions()
        options.steps = steps
        options.batchSize = batchSize
        options.learningRate = learningRate
        options.weightDecay = weightDecay
        options.schedule = lrScheduler
        options.warmupSteps = lrWarmupSteps
        options.seed = seed
        options.augmentation = noAugmentation ? nil : .standard
        return options
    }

    func run() throws {
        let world = try Communicator.world()
        let console = Console(prints: world.rank == 0)
        let options = options
        try options.validate()
        // Every rank checks (the check only reads), so a refused output stops every rank before any work.
        let destination = try OutputGuard.check(output: output, kind: .judge, inputs: configOption.inputs, overwrite: overwrite)
        try runtime.start(Self._commandName, communicator: world, overwrite: overwrite,
                          inputs: [("output", output), ("--config file", configOption.config)])
        let started = Date()
        let training = try WorldJudgeTraining(options: options)
        console.log("judge: \(training.judge.parameterCount) parameters, \(world.size) rank(s), batch \(batchSize), "
            + "\(steps) steps" + (noAugmentation ? ", no augmentation" : ""))
        let bar = console.progress("train-judge", total: steps)
        let reports = try training.train(communicator: world) { step, report in
            bar?.update(step)
            if step == 1 || step == steps || step % 100 == 0 {
                console.log(String(format: "step %d: loss %.4f (shape %.4f, colour %.4f, artist %.4f), grad norm %.3g, lr %.3g",
                                   step, report.loss, report.shapeLoss, report.colorLoss, report.artistLoss,
                                   report.gradientNorm, report.learningRate))
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let tail = reports.suffix(max(1, reports.count / 10))
        var configuration = training.judge.configuration
        configuration.training = WorldJudgeTrainingRecord(
            options: options, command: Self.commandLine(ranks: world.size), ranks: world.size, seconds: seconds.rounded(),
            finalLoss: tail.reduce(0) { $0 + $1.loss } / Double(tail.count))
        if evalCount > 0 {
            let testSeed = evalSeed ?? seed &+ 1
            var accuracy: [String: WorldJudgeAccuracy] = [:]
            for split in [WorldSplit.train, .heldout] {
                let measured = try training.judge.accuracy(on: WorldDataset(seed: testSeed, split: split), count: evalCount,
                                                           communicator: world)
                accuracy[split.rawValue] = measured
                console.log(String(format: "accuracy on %d fresh %@ pictures (seed %llu): shape %.1f%%, colour %.1f%%, artist %.1f%%",
                                   evalCount, split.rawValue, testSeed, 100 * measured.shape, 100 * measured.color,
                                   100 * measured.artist))
            }
            configuration.accuracy = accuracy
        }
        guard world.rank == 0 else { return }
        let staging = try StagingFolder(destination: destination)
        try staging.fill { folder in try training.judge.write(into: folder, configuration: configuration) }
        try staging.commit(replacing: overwrite)
        print(String(format: "wrote %@: judge of %d parameters, %d steps in %.0f s", output, training.judge.parameterCount,
                     steps, seconds))
    }

    /// The command as it was typed (under mpirun, with its rank count), for the judge's config.json.
    static func commandLine(ranks: Int) -> String {
        let words = ["lethe"] + CommandLine.arguments.dropFirst().map { word in
            word.isEmpty || word.contains(where: { " \"'$\\".contains($0) }) ? "'\(word.replacingOccurrences(of: "'", with: "'\\''"))'" : word
        }
        return (ranks > 1 ? "mpirun -np \(ranks) " : "") + words.joined(separator: " ")
    }
}
