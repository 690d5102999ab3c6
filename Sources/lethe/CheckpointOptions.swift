import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheErasure
import LetheIO

/// The checkpoint flags of every training subcommand (`invert`, `fmn`), also YAML keys of a job file.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A folder for sharded checkpoints (on a file system every rank sees). With it the job resumes from its newest good checkpoint there.", valueName: "dir"))
    var checkpointDir: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Save a checkpoint every N steps (0: after the last step only).", valueName: "n"))
    var checkpointEvery = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Checkpoints to keep: the newest K (at least 1).", valueName: "k"))
    var keepLast = 2

    @Option(help: ArgumentHelp("Where to resume from: auto (the newest good checkpoint in --checkpoint-dir, the default with it) or a checkpoint path.", valueName: "auto|path"))
    var resume: String?

    /// nil when no checkpoint flag is given. With a checkpoint folder, SIGUSR1 and a first SIGTERM stop the job at
    /// the next step boundary with a checkpoint (exit 0) instead of ending it at once.
    var settings: CheckpointSettings? {
        guard checkpointDir != nil || resume != nil else { return nil }
        if checkpointDir != nil { SignalCleanup.enableGracefulStop() }
        let from: CheckpointFolder.ResumeFrom? = switch resume {
        case nil: checkpointDir == nil ? nil : .auto
        case "auto": .auto
        case let path?: .path(path)
        }
        return CheckpointSettings(folder: checkpointDir.map { URL(fileURLWithPath: $0) }, every: checkpointEvery,
                                  keepLast: keepLast, resume: from)
    }
}
