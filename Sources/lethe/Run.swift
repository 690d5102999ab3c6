import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure
import LetheIO
import LetheTelemetry

/// `lethe run`: many erasures from one job file, in groups of ranks that each run their share on their own
/// communicator. A failing erasure is reported and the others go on; a second run skips what finished.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run many erasures from a job file, in parallel groups of ranks.",
        discussion: """
            The job file names the model (model:), an output folder (output:) and the erasures (erasures:, each \
            with method: uce, rece, invert or fmn, an optional name: and that subcommand's own keys), or a \
            concepts file (concepts_file:, method:, concepts_per_erasure:) with one erasure per concept or per \
            batch of concepts. defaults: holds keys every erasure shares. The ranks split into groups of \
            --group-size (rank r is in group r / G); erasure i goes to group i mod (number of groups), each \
            group runs its erasures one after another, and invert and fmn checkpoint in OUTPUT/checkpoints/NAME. \
            Results go to OUTPUT/NAME/, OUTPUT/summary.json and a Markdown table on stdout. Running the same \
            command again skips the erasures that finished with the same settings and resumes the others from \
            their checkpoints. Exit status 1 when an erasure failed. Example (Configs/many-concepts.yaml):
              mpirun -np 4 lethe run --config job.yaml --group-size 2
            """)

    @Option(help: ArgumentHelp("The job file (YAML): model:, output: and erasures: (see Configs/README.md).", valueName: "job.yaml"))
    var config: String

    @Option(parsing: .unconditional, help: "Ranks per group. Default: the job file's group_size, else every rank in one group.")
    var groupSize: Int?

    @Flag(help: "Print the groups and each erasure's command line, then stop.")
    var dryRun = false

    @OptionGroup(title: "Running") var runtime: RuntimeOptions

    func run() throws {
        let world = try Communicator.world()
        let isMain = world.rank == 0
        // Every rank reads the same job file, so a mistake in it fails on every rank: they agree and end
        // together with the message once, instead of aborting the job.
        let planned = Result { () throws -> (RunPlan, Int) in
            let plan = try RunPlan(jobPath: config)
            let size = try groupSize ?? RunJobFile.read(config).groupSize ?? world.size
            guard size >= 1, size <= world.size else {
                throw ValidationError("--group-size is \(size); it must be between 1 and the number of ranks (\(world.size))")
            }
            return (plan, size)
        }
        let failing = try world.allreduce(Int32((try? planned.get()) == nil ? 1 : 0), op: .sum)
        if failing == world.size, case .failure(let error) = planned {
            throw AgreedExit(code: Lethe.exitCode(for: error).rawValue, message: Lethe.message(for: error))
        }
        let (plan, size) = try planned.get()
        let groups = (world.size + size - 1) / size
        let myGroup = world.rank / size
        if isMain { FileHandle.standardError.write(Data(describe(plan, groups: groups, size: size, ranks: world.size).utf8)) }
        if dryRun {
            if isMain { for erasure in plan.erasures { print((["lethe"] + erasure.arguments).map(Self.shellQuoted).joined(separator: " ")) } }
            return
        }
        // A second run replaces the trace of the first (a trace Lethe wrote, nothing else), as it does summary.json.
        try runtime.start("run", communicator: world, overwrite: true, inputs: [("model", plan.model), ("job file", config)])
        // SIGUSR1 or a first SIGTERM: each group stops at its next step boundary (trained methods checkpoint there)
        // or after its current closed-form erasure; a second run goes on from there.
        SignalCleanup.enableGracefulStop()
        if isMain { try FileManager.default.createDirectory(atPath: Self.recordFolder(plan.output), withIntermediateDirectories: true) }
        try world.barrier()

        let group = try world.split(color: myGroup, key: world.rank)
        var outcomes: [RunOutcome] = []
        let mineToRun = plan.erasures.filter { $0.index % groups == myGroup }
        for (number, erasure) in mineToRun.enumerated() {
            let place = "\(number + 1) of \(mineToRun.count)" + (groups > 1 ? " in group \(myGroup)" : "")
            outcomes.append(try run(erasure, place: place, plan: plan, group: group, group: myGroup, groups: groups))
        }
        // Every group's outcomes to every rank (only each group's rank 0 sends), so all ranks agree on the exit.
        let mine = group.rank == 0 ? Array(try DocumentJSON.encode(outcomes)) : []
        // A group that finished first waits here for the others, as long as they take.
        let (counts, gathered) = try Watchdog.idle {
            let counts = try world.allgather(mine.count)
            return (counts, try world.allgatherv(mine, counts: counts))
        }
        var all: [RunOutcome] = []
        var offset = 0
        for count in counts where count > 0 {
            all += try DocumentJSON.decode([RunOutcome].self, from: Data(gathered[offset..<offset + count]))
            offset += count
        }
        all.sort { $0.index < $1.index }
        let summary = RunSummary(job: config, model: plan.model, ranks: world.size, groupSize: size, erasures: all)
        if isMain {
            let path = (plan.output as NSString).appendingPathComponent("summary.json")
            try AtomicFileOutput.write(Array(try DocumentJSON.encode(summary)), to: path)
            print(summary.markdown())
            FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
        }
        let failed = all.filter { $0.status == .failed }.count
        let stopped = all.filter { $0.status == .stopped }.count
        if failed > 0 {
            throw AgreedExit(code: 1, message: "\(failed) of \(all.count) erasure(s) failed; the others are in \(plan.output) (see summary.json)")
        }
        if stopped > 0 {
            throw AgreedExit(code: 0, message: "stopped on request with \(stopped) erasure(s) left; run the same command again to go on")
        }
    }

    /// Runs one erasure on every rank of its group and returns what it came to, the same on every rank of the group.
    private func run(_ erasure: RunPlan.Erasure, place: String, plan: RunPlan, group: Communicator, group number: Int, groups: Int) throws -> RunOutcome {
        let command = erasure.command
        var outcome = RunOutcome(index: erasure.index, name: erasure.name, method: erasure.method,
                                 concepts: command.concepts, status: .done, group: number, ranks: group.size,
                                 output: command.outputPath)
        let console = Console(prints: group.rank == 0, prefix: groups > 1 ? "[\(erasure.name)] " : "", redraws: groups == 1)
        // The whole group agrees, so no rank starts an erasure the others skip.
        if try group.allreduce(SignalCleanup.isStopRequested ? Int32(1) : 0, op: .max) == 1 {
            outcome.status = .stopped
            return outcome
        }
        let recordPath = (Self.recordFolder(plan.output) as NSString).appendingPathComponent(erasure.name + ".json")
        var finished = ""
        if group.rank == 0, let record = Self.finished(erasure, recordPath: recordPath) {
            finished = String(decoding: try DocumentJSON.encode(record), as: UTF8.self)
        }
        finished = try group.broadcast(string: finished, root: 0)
        if !finished.isEmpty {
            var previous = try DocumentJSON.decode(RunOutcome.self, from: Data(finished.utf8))
            console.log("finished before with the same settings: kept \(command.outputPath)")
            previous.reused = true
            previous.fingerprint = nil
            previous.group = number
            return previous
        }
        Watchdog.shared.setJob("\(erasure.method) '\(erasure.name)'")
        console.log("erasure \(place): \(erasure.method) on \(group.size) rank(s): \(command.concepts.map { "'\(ErrorText.capped($0, 80))'" }.joined(separator: ", "))")
        let start = Date()
        var failure: String?
        var report: ErasureReport?
        do {
            if group.rank == 0, erasure.method == "invert" {
                try FileManager.default.createDirectory(atPath: (command.outputPath as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
            }
            report = try command.erase(on: group, console: console)
        } catch let stopped as TrainingStopped {
            outcome.status = .stopped
            console.log("\(stopped)")
        } catch {
            failure = FileSystemErrorText.foundationReason(error) ?? Lethe.message(for: error)
            // The folder made for invert's file is removed again if it stayed empty: a failure leaves nothing behind.
            if group.rank == 0, erasure.method == "invert" {
                let folder = (command.outputPath as NSString).deletingLastPathComponent
                if (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true {
                    try? FileManager.default.removeItem(atPath: folder)
                }
            }
        }
        outcome.seconds = Date().timeIntervalSince(start)
        // A rank-0-only step (writing the output) can fail on rank 0 alone: the group agrees on the first failure.
        let firstFailing = try group.allreduce(Int32(failure == nil ? Int32.max : Int32(group.rank)), op: .min)
        if firstFailing != Int32.max {
            outcome.status = .failed
            outcome.error = try group.broadcast(string: failure ?? "", root: Int(firstFailing))
            if firstFailing != 0 { outcome.error = "rank \(firstFailing) of the group: " + (outcome.error ?? "") }
            console.log("failed: \(outcome.error ?? "")")
            return outcome
        }
        guard outcome.status == .done, let report else { return outcome }
        outcome.metrics = report.headlineMetrics
        if group.rank == 0 {
            print(console.prefix + command.summary(report).replacingOccurrences(of: "\n", with: "\n" + console.prefix))
            var record = outcome
            record.fingerprint = erasure.fingerprint
            try AtomicFileOutput.write(Array(try DocumentJSON.encode(record)), to: recordPath)
        }
        return outcome
    }

    /// The outcome a previous run recorded, if the erasure finished there with the same arguments and its report
    /// is still in place.
    private static func finished(_ erasure: RunPlan.Erasure, recordPath: String) -> RunOutcome? {
        guard let data = FileManager.default.contents(atPath: recordPath),
              let record = try? DocumentJSON.decode(RunOutcome.self, from: data),
              record.status == .done, record.fingerprint == erasure.fingerprint,
              FileManager.default.fileExists(atPath: erasure.command.reportPath) else { return nil }
        return record
    }

    /// Where each finished erasure's outcome is recorded, so a second run can skip it.
    static func recordFolder(_ output: String) -> String { (output as NSString).appendingPathComponent(".run") }

    private func describe(_ plan: RunPlan, groups: Int, size: Int, ranks: Int) -> String {
        var lines = ["lethe run: \(plan.erasures.count) erasure(s) on \(ranks) rank(s) in \(groups) group(s) of \(size) rank(s)"]
        for group in 0..<groups {
            let first = group * size
            let last = min(first + size, ranks) - 1
            let names = plan.erasures.filter { $0.index % groups == group }.map { "\($0.name) (\($0.method))" }
            let rankText = first == last ? "rank \(first)" : "ranks \(first)-\(last)"
            lines.append("  group \(group) (\(rankText)): " + (names.isEmpty ? "nothing to do (fewer erasures than groups)" : names.joined(separator: ", ")))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func shellQuoted(_ word: String) -> String {
        word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@".contains($0) } && !word.isEmpty
            ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
