import ArgumentParser
import Foundation
import LetheWorld

/// `--judge DIR`: the judge a command uses; without it, the judge that ships with Lethe.
struct JudgeOption: ParsableArguments {
    @Option(help: ArgumentHelp("The judge: a folder with config.json and model.safetensors, as lethe world train-judge writes. Default: the world's judge, which ships with Lethe.",
                               valueName: "dir"))
    var judge: String?

    /// The folder the judge is read from.
    func folder() throws -> URL {
        if let judge { return URL(fileURLWithPath: judge) }
        guard let folder = WorldJudge.bundledFolder else {
            throw ValidationError("no --judge given, and this build of lethe has no shipped judge (its resources are missing); pass --judge DIR")
        }
        return folder
    }

    /// Loads the judge strictly (every tensor used, shapes checked); errors name the folder, file and key.
    func load() throws -> WorldJudge {
        try WorldJudge.load(from: folder())
    }
}
