import LetheDistributed
import Testing

@Suite struct ShareTests {
    @Test func sharesAreContiguousRunsInRankOrderTheFirstRanksTakingOneMore() {
        #expect((0..<4).map { Communicator.share(of: 10, rank: $0, size: 4) } == [0..<3, 3..<6, 6..<8, 8..<10])
        #expect((0..<2).map { Communicator.share(of: 3, rank: $0, size: 2) } == [0..<2, 2..<3])
        // More ranks than items: the last ranks have nothing.
        #expect((0..<4).map { Communicator.share(of: 3, rank: $0, size: 4) } == [0..<1, 1..<2, 2..<3, 3..<3])
        #expect(Communicator.share(of: 0, rank: 0, size: 1) == 0..<0)
        for count in 0..<12 {
            for size in 1...5 {
                let runs = (0..<size).map { Communicator.share(of: count, rank: $0, size: size) }
                #expect(runs.map(\.count).reduce(0, +) == count)
                #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(runs.map(\.count).max()! - runs.map(\.count).min()! <= 1)
            }
        }
    }

    @Test func theSingleProcessWorldHasEverything() {
        let world = Communicator.singleProcess()
        #expect(world.share(of: 5) == 0..<5)
        #expect(world.shares(of: 5) == [0..<5])
    }
}
