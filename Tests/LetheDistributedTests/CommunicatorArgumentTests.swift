import LetheDistributed
import Testing

/// Bad arguments are thrown as `CommunicatorError`s naming the operation, never trapped.
@Suite struct CommunicatorArgumentTests {
    let world = Communicator.singleProcess()

    @Test func countsMustHaveOneEntryPerRank() {
        #expect(throws: CommunicatorError.countsLength(operation: "allgatherv", expected: 1, found: 2)) {
            try world.allgatherv([1, 2] as [Float], counts: [1, 1])
        }
        #expect(throws: CommunicatorError.countsLength(operation: "gatherv", expected: 1, found: 0)) {
            try world.gatherv([] as [Float], counts: [], root: 0)
        }
    }

    @Test func negativeCountsAreRejected() {
        #expect(throws: CommunicatorError.negativeCount(operation: "allgatherv", rank: 0, count: -1)) {
            try world.allgatherv([] as [Int], counts: [-1])
        }
    }

    @Test func sendMustMatchThisRanksCount() {
        #expect(throws: CommunicatorError.sendCountMismatch(operation: "allgatherv", rank: 0, expected: 2, found: 3))
        {
            try world.allgatherv([1, 2, 3] as [Int32], counts: [2])
        }
        #expect(throws: CommunicatorError.sendCountMismatch(operation: "gatherv", rank: 0, expected: 4, found: 1)) {
            try world.gatherv([1] as [Double], counts: [4], root: 0)
        }
    }

    @Test func receiveShorterThanTheTotalIsRejected() {
        let local: [Float] = [1, 2, 3]
        var receive: [Float] = [0, 0]
        #expect(
            throws: CommunicatorError.bufferTooSmall(
                operation: "allgatherv", buffer: "receive", needed: 3, available: 2)
        ) {
            try local.withUnsafeBufferPointer { send in
                try receive.withUnsafeMutableBufferPointer { try world.allgatherv(send, into: $0, counts: [3]) }
            }
        }
        #expect(
            throws: CommunicatorError.bufferTooSmall(operation: "gatherv", buffer: "receive", needed: 3, available: 2)
        ) {
            try local.withUnsafeBufferPointer { send in
                try receive.withUnsafeMutableBufferPointer { try world.gatherv(send, into: $0, counts: [3], root: 0) }
            }
        }
        #expect(
            throws: CommunicatorError.bufferTooSmall(
                operation: "allgatherv", buffer: "receive", needed: 3, available: 2)
        ) {
            try receive.withUnsafeMutableBufferPointer { try world.allgathervInPlace($0, counts: [3]) }
        }
    }

    @Test(arguments: [-1, 1, 5])
    func rootOutsideTheCommunicatorIsRejected(root: Int) {
        #expect(throws: CommunicatorError.invalidRoot(operation: "broadcast", root: root, size: 1)) {
            try world.broadcast(1 as Int, root: root)
        }
        #expect(throws: CommunicatorError.invalidRoot(operation: "broadcast", root: root, size: 1)) {
            try world.broadcast(bytes: [1, 2], root: root)
        }
        #expect(throws: CommunicatorError.invalidRoot(operation: "broadcast", root: root, size: 1)) {
            try world.broadcast(string: "x", root: root)
        }
        #expect(throws: CommunicatorError.invalidRoot(operation: "gatherv", root: root, size: 1)) {
            try world.gatherv([1] as [Float], root: root)
        }
    }

    @Test func splitRejectsColorsAndKeysMPICannotTake() {
        #expect(throws: CommunicatorError.self) { try world.split(color: -1, key: 0) }
        #expect(throws: CommunicatorError.self) { try world.split(color: Int(Int32.max) + 1, key: 0) }
        #expect(throws: CommunicatorError.self) { try world.split(color: 0, key: Int(Int32.min) - 1) }
    }

    @Test func descriptionsNameTheOperationAndTheValues() {
        let counts = CommunicatorError.countsLength(operation: "allgatherv", expected: 4, found: 3).description
        #expect(counts.contains("allgatherv") && counts.contains("3 entries") && counts.contains("4 ranks"))

        let buffer = CommunicatorError.bufferTooSmall(
            operation: "gatherv", buffer: "receive", needed: 10, available: 7
        ).description
        #expect(buffer.contains("gatherv") && buffer.contains("7") && buffer.contains("10"))

        let mpi = CommunicatorError.mpi(operation: "MPI_Recv", code: 15, message: "MPI_ERR_TRUNCATE: message truncated")
        #expect(mpi.description.contains("MPI_Recv") && mpi.description.contains("MPI_ERR_TRUNCATE"))

        let color = CommunicatorError.invalidArgument(
            operation: "split", argument: "color", expected: "a value in 0...2147483647", found: "-1"
        ).description
        #expect(color.contains("split") && color.contains("color") && color.contains("-1"))
    }
}
