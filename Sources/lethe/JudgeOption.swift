import ArgumentParser
import Foundation
import LetheWorld

/// `--judge DIR`: the judge a command uses. Required for now; once a judge ships in the package this becomes
/// optional and `folder` falls back to `WorldJudge.bundledFolder`, with no change to the commands that use it.
struct JudgeOption: ParsableArguments {
    @Option(help: ArgumentHelp("The judge: a folder with config.json and model.safetensors, as lethe world train-judge writes.",
                               valueName: "dir"))
    var judge: String

    /// The folder the judge is read from.
    var folder: URL { URL(fileURLWithPath: judge) }

    /// Loads the judge strictly (every tensor used, shapes checked); errors name the folder, file and key.
    func load() throws -> WorldJudge {
        try WorldJudge.load(from: folder)
    }
}
