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
    }

    @Test func itemWorkersChangeNothingButSpeed() throws {
        // Three threads per rank: the same sum, bit for bit, and the same items in the same order.
        let world = Communicator.singleProcess()
        let threaded = world.withItemWorkers(3)
        let values = (0..<10).map { index in (0..<5).map { Double(index) * 1e15 + Double($0) / 7 } }
        #expect(try threaded.orderedSum(count: 10, length: 5) { values[$0] }
                == (try world.orderedSum(count: 10, length: 5) { values[$0] }))
        let items: [[Int32]] = try threaded.distributedMap(count: 7, counts: (0..<7).map { $0 }) { index in
            [Int32](repeating: Int32(index), count: index)
        }
        #expect(items == (0..<7).map { [Int32](repeating: Int32($0), count: $0) })
        #expect(throws: (any Error).self) {
            _ = try threaded.orderedSum(count: 4, length: 1) { index in
                if index == 2 { throw CancellationError() }
                return [1]
            }
        }
    }
}
