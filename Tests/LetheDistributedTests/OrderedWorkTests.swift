import LetheDistributed
import Testing

/// The single-process semantics of the rank-count-independent work helpers (under mpirun they are checked through
/// Scripts/erasure-mpi-check.sh, whose edits must be bitwise identical for 1-4 ranks).
@Suite struct OrderedWorkTests {
    @Test func orderedSumAddsInIndexOrder() throws {
        // Values whose sum depends on the order: 1e16 + 1 − 1e16 is 0 left to right, 1 otherwise.
        let items: [[Double]] = [[1e16, 3], [1, 4], [-1e16, 5]]
        let sum = try Communicator.singleProcess().orderedSum(count: 3, length: 2) { items[$0] }
        #expect(sum == [((0 + 1e16) + 1) - 1e16, 12])
        #expect(sum[0] == 0)
    }

    @Test func orderedSumOfNothingIsZero() throws {
        #expect(try Communicator.singleProcess().orderedSum(count: 0, length: 3) { _ in [] } == [0, 0, 0])
    }

    @Test func distributedMapKeepsItemsInOrder() throws {
        let world = Communicator.singleProcess()
        var produced: [Int] = []
        let items: [[Float]] = try world.distributedMap(count: 4, counts: [1, 0, 2, 3]) { index in
            produced.append(index)
            return [Float](repeating: Float(index), count: [1, 0, 2, 3][index])
        }
        #expect(items == [[0], [], [2, 2], [3, 3, 3]])
        #expect(produced == [0, 1, 2, 3])
        #expect((0..<5).map(world.owner(ofItem:)) == [0, 0, 0, 0, 0])
    }
}
