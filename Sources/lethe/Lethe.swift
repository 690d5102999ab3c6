import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure
import LetheIO

@main
struct Lethe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lethe",
        abstract: "Erase concepts from Stable Diffusion models, on one machine or across MPI ranks.",
        discussion: """
            Models are diffusers folders (model_index.json, config.json files, safetensors weights). Every \
            subcommand runs unchanged under mpirun or srun; only rank 0 prints results.
            """,
        version: LetheVersion.current,
        subcommands: [Info.self, Inspect.self, Generate.self, UCE.self, RECE.self, Invert.self, FMN.self, Run.self, Checkpoint.self, Tokenize.self, CreateModel.self, World.self, Judge.self, Demo.self, Eval.self, Watermark.self,
                      Bench.self, Compare.self, Privacy.self])

    /// Parses, runs, and ends MPI cleanly. A failing rank of a multi-rank job aborts the whole job, so the other
    /// ranks never wait in a collective for it (Open MPI has no fault tolerance).
    static func main() {
        SettingFlags.install()
        let command: ParsableCommand
        do {
            command = try parseAsRoot(ConfigArguments.expand(Array(CommandLine.arguments.dropFirst())))
        } catch {
            exit(withError: error)
        }
        do {
            var runnable = command
            try runnable.run()
            try RuntimeOptions.finish()
            try Communicator.finalize()
        } catch let stopped as TrainingStopped {
            // Asked to stop (pre-emption, a time limit): every rank saved and stops together; not a failure.
            if (try? Communicator.world())?.rank ?? 0 == 0 {
                FileHandle.standardError.write(Data("lethe: \(stopped)\n".utf8))
            }
            try? Communicator.finalize()
            Foundation.exit(0)
        } catch let agreed as AgreedExit {
            // Every rank ends here together (lethe run with a failed erasure): the trace is written all the same.
            try? RuntimeOptions.finish()
            let isMain = (try? Communicator.world())?.rank ?? 0 == 0
            if isMain { FileHandle.standardError.write(Data("\(agreed.code == 0 ? "lethe" : "Error"): \(agreed.message)\n".utf8)) }
            try? Communicator.finalize()
            // Rank 0's status is the job's (mpirun returns it); the other ranks end cleanly, so mpirun does not
            // stop them with signals while they finish.
            Foundation.exit(isMain ? agreed.code : 0)
        } catch {
            JobFailure.end(with: error, messageFor: { error in
                // A Foundation file-system error that no layer mapped still reaches the user in the system's words
                // with its path, never as "Error Domain=NSCocoaErrorDomain Code=…".
                FileSystemErrorText.foundationReason(error) ?? message(for: error)
            }, exitCode: { exitCode(for: $0).rawValue })
        }
    }
}
