import ArgumentParser
import LetheErasure

/// The image-privacy flags of the training subcommands (`invert`, `fmn`), also YAML keys of a job file.
struct ImageRecordOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Leave out of --images every file whose SHA-256 (of its bytes) is listed in this file, one per line as sha256sum prints them.", valueName: "file"))
    var excludeHashes: String?

    @Flag(help: "Write the training images' file names to the log (by default nothing Lethe writes names them).")
    var logImageNames = false

    func policy() throws -> ImageRecordPolicy {
        ImageRecordPolicy(exclusions: try excludeHashes.map { try ImageExclusions(contentsOf: $0) }, logImageNames: logImageNames)
    }
}
