import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure

/// Where a running erasure prints: only the rank that prints (rank 0 of its communicator) writes, every line with
/// the erasure's name in front under `lethe run`; progress redraws one terminal line only when one erasure runs.
struct Console {
    var prints: Bool
    var prefix = ""
    var redraws = true

    /// A warning or note on stderr.
    func log(_ line: String) {
        guard prints else { return }
        FileHandle.standardError.write(Data("\(prefix)\(line)\n".utf8))
    }

    /// A progress bar that has started, or nil on the ranks that do not print. With a total it shows 0/total (or
    /// the `resumedAt` units a checkpoint restored) at once.
    func progress(_ label: String, total: Int? = nil, resumedAt: Int = 0) -> ProgressBar? {
        guard prints else { return nil }
        let bar = ProgressBar(prefix + label, total: total ?? 1, redraws: redraws, initial: resumedAt)
        if total != nil { bar.update(resumedAt) }
        return bar
    }
}

/// A subcommand that erases (or learns) a concept: `lethe uce|rece|invert|fmn`, and each erasure of `lethe run`,
/// which parses an erasure's options with the subcommand's own parser and runs it on its group's communicator.
protocol ErasureCommand: ParsableCommand {
    /// What the erasure writes: a diffusers folder, or invert's learned-embeddings file.
    var outputPath: String { get }
    /// The report it writes last (so a report that exists means the erasure finished).
    var reportPath: String { get }
    /// The concepts it erases, as the job names them.
    var concepts: [String] { get }
    /// Checks the settings without loading anything (`lethe run` checks every erasure before the first starts).
    func checkSettings() throws
    /// Runs the erasure on every rank of `communicator`; rank 0 writes the output and the report.
    func erase(on communicator: Communicator, console: Console) throws -> ErasureReport
    /// What a finished erasure says on stdout.
    func summary(_ report: ErasureReport) -> String
    /// `--watchdog-seconds` and `--trace` of the subcommand run alone (`lethe run` has its own).
    var runtime: RuntimeOptions { get }
    /// What the erasure reads, by role (nil: not given): the trace may not overwrite it, nor the output, the
    /// report or the job file.
    var inputPaths: [(role: String, path: String?)] { get }
    var overwrite: Bool { get }
    var config: ConfigOption { get }
}

extension ErasureCommand {
    func run() throws { try runErasure() }

    /// Starts the runtime (watchdog, trace, the output checks), erases on every rank and prints the summary.
    func runErasure() throws {
        let world = try Communicator.world()
        try runtime.start(Self._commandName, communicator: world, overwrite: overwrite, inputs: inputPaths
                          + [("output", outputPath), ("report", reportPath), ("--config file", config.config)])
        let report = try erase(on: world, console: Console(prints: world.rank == 0))
        if world.rank == 0 { print(summary(report)) }
    }
}
