import LetheWorld
import Testing

@Suite("The judge that ships with Lethe")
struct WorldJudgeBundledTests {
    /// Pictures of a seed the judge never trained on (its config.json records the training seed).
    static let testSeed: UInt64 = 9_001

    @Test("It is right about at least 95 % of fresh pictures on every head, held-out split and train split")
    func accuracy() throws {
        let judge = try WorldJudge.bundled()
        let training = try #require(judge.configuration.training)
        #expect(training.options.seed != Self.testSeed)
        #expect(judge.configuration.shapes == WorldShape.allCases.map(\.name))
        #expect(judge.configuration.artists == WorldArtist.allCases.map(\.name))
        #expect(judge.parameterCount < 1_000_000)
        for split in [WorldSplit.heldout, .train] {
            let measured = try judge.accuracy(on: WorldDataset(seed: Self.testSeed, split: split), count: 300)
            #expect(measured.shape >= 0.95 && measured.color >= 0.95 && measured.artist >= 0.95,
                    "\(split): shape \(measured.shape), colour \(measured.color), artist \(measured.artist)")
        }
    }
}
