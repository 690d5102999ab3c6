import ArgumentParser

/// `lethe world`: the synthetic world Lethe proves itself in (its images and its judge now; its model later).
struct World: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "world",
        abstract: "The synthetic world: captioned images of shapes, colours and fictional artists' styles.",
        subcommands: [WorldData.self, WorldTrain.self, WorldTrainJudge.self])
}
