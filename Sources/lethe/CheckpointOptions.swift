import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheDistributed
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

    @OptionGroup var keyFile: KeyFileOption

    /// nil when no checkpoint flag is given. With a checkpoint folder, SIGUSR1 and a first SIGTERM stop the job at
    /// the next step boundary with a checkpoint (exit 0) instead of ending it at once.
    var settings: CheckpointSettings? {
        get throws {
            guard checkpointDir != nil || resume != nil else { return nil }
            if checkpointDir != nil { SignalCleanup.enableGracefulStop() }
            let from: CheckpointFolder.ResumeFrom? = switch resume {
            case nil: checkpointDir == nil ? nil : .auto
            case "auto": .auto
            case let path?: .path(path)
            }
            return CheckpointSettings(folder: checkpointDir.map { URL(fileURLWithPath: $0) }, every: checkpointEvery,
                                      keepLast: keepLast, resume: from, key: try keyFile.key())
        }
    }
}

/// `--encrypt-key-file`: the key that encrypts checkpoints at rest and opens them again (see `CheckpointKey`).
struct KeyFileOption: ParsableArguments {
    @Option(help: ArgumentHelp("A file holding the 32-byte key (raw, or 64 hex digits: lethe checkpoint keygen) that encrypts checkpoints and learned-embeddings files with AES-256-GCM (and signs checkpoint manifests), and opens them again. Default: the file \(CheckpointKey.environmentVariable) names, if set.", valueName: "file"))
    var encryptKeyFile: String?

    /// The key from --encrypt-key-file, else from the file the environment variable names; nil without either.
    /// Rank 0 warns when the file is readable by others than its owner.
    func key() throws -> CheckpointKey? {
        let environment = ProcessInfo.processInfo.environment[CheckpointKey.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let path = encryptKeyFile ?? environment else { return nil }
        let (key, warning) = try CheckpointKey.load(path: path)
        if let warning, (try? Communicator.world())?.rank ?? 0 == 0 {
            FileHandle.standardError.write(Data("\(warning)\n".utf8))
        }
        return key
    }
}
