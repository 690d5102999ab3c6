import ArgumentParser

/// `lethe world`: the synthetic world Lethe proves itself in: its images, the training of its model and its judge.
struct World: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "world",
        abstract: "The synthetic world: its captioned images, the training of its model and its judge.",
        subcommands: [WorldData.self, WorldTrain.self, WorldTrainJudge.self, WorldQualityCommand.self, WorldErase.self,
                      WorldPrivacy.self])
}
