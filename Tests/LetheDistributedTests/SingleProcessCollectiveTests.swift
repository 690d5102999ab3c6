import LetheDistributed
import Testing

/// The single-process world is rank 0 of 1: reductions are the identity, gathers copy, broadcasts keep the data.
@Suite struct SingleProcessCollectiveTests {
    let world = Communicator.singleProcess()

    @Test func isRankZeroOfOneWithoutMPI() {
        #expect(world.rank == 0)
        #expect(world.size == 1)
        #expect(!world.usesMPI)
        #expect(world.maxElementsPerCall == Communicator.defaultMaxElementsPerCall)
    }

    @Test(arguments: ReductionOp.allCases)
    func allreduceIsIdentityForEveryType(op: ReductionOp) throws {
        var floats: [Float] = [1.5, -2.25, 3e20, -0.0]
        try world.allreduce(&floats, op: op)
        #expect(floats == [1.5, -2.25, 3e20, -0.0])

        let doubles: [Double] = [1e300, -7.125, 0.1]
        #expect(try world.allreduce(doubles, op: op) == [1e300, -7.125, 0.1])

        let ints: [Int] = [1 << 40, -(1 << 50), 7]
        #expect(try world.allreduce(ints, op: op) == [1 << 40, -(1 << 50), 7])

        let int32s: [Int32] = [Int32.max, Int32.min, 0]
        #expect(try world.allreduce(int32s, op: op) == [Int32.max, Int32.min, 0])

        #expect(try world.allreduce(Float(2.5), op: op) == 2.5)
        #expect(try world.allreduce(-9 as Int, op: op) == -9)
    }

    @Test func allreduceInPlaceOnBufferKeepsValues() throws {
        var values: [Double] = (0..<13).map { Double($0) * 0.5 - 3 }
        let small = world.withMaxElementsPerCall(5)
        try values.withUnsafeMutableBufferPointer { try small.allreduce($0, op: .sum) }
        #expect(values == (0..<13).map { Double($0) * 0.5 - 3 })
    }

    @Test func allreduceOfEmptyArrayIsEmpty() throws {
        #expect(try world.allreduce([Float](), op: .max) == [])
    }

    @Test func broadcastFromRootZeroKeepsData() throws {
        var values: [Int32] = [4, 5, 6]
        try world.broadcast(&values, root: 0)
        #expect(values == [4, 5, 6])
        #expect(try world.broadcast(3.75 as Double, root: 0) == 3.75)

        var raw: [UInt8] = [9, 8, 7, 6]
        try raw.withUnsafeMutableBytes { try world.broadcast($0, root: 0) }
        #expect(raw == [9, 8, 7, 6])

        #expect(try world.broadcast(bytes: [1, 2, 3, 250], root: 0) == [1, 2, 3, 250])
        #expect(try world.broadcast(string: "Λήθη ✓ river", root: 0) == "Λήθη ✓ river")
        #expect(try world.broadcast(string: "", root: 0) == "")
    }

    @Test func allgathervCopiesTheOnlyPart() throws {
        let local: [Float] = [1, 2, 3]
        #expect(try world.allgatherv(local) == [1, 2, 3])
        #expect(try world.allgatherv(local, counts: [3]) == [1, 2, 3])
        #expect(try world.allgather(42 as Int) == [42])
        #expect(try world.allgatherv([Double]()) == [])
    }

    @Test func allgathervIntoLargerBufferLeavesTheTailAlone() throws {
        let local: [Int] = [10, 20]
        var receive: [Int] = [-1, -1, -1, -1]
        try local.withUnsafeBufferPointer { send in
            try receive.withUnsafeMutableBufferPointer { try world.allgatherv(send, into: $0, counts: [2]) }
        }
        #expect(receive == [10, 20, -1, -1])

        var inPlace: [Int] = [5, 6, 7]
        try inPlace.withUnsafeMutableBufferPointer { try world.allgathervInPlace($0, counts: [2]) }
        #expect(inPlace == [5, 6, 7])
    }

    @Test func gathervCopiesToRoot() throws {
        #expect(try world.gatherv([7, 8, 9] as [Int32], root: 0) == [7, 8, 9])
        #expect(try world.gatherv([UInt8](), counts: [0], root: 0) == [])

        let local: [Double] = [0.25, 0.5]
        var receive: [Double] = [0, 0, 0]
        try local.withUnsafeBufferPointer { send in
            try receive.withUnsafeMutableBufferPointer { try world.gatherv(send, into: $0, counts: [2], root: 0) }
        }
        #expect(receive == [0.25, 0.5, 0])
    }

    @Test func splitGivesAnotherSingleWorld() throws {
        let limited = world.withMaxElementsPerCall(5)
        let group = try limited.split(color: 3, key: -7)
        #expect(group.rank == 0)
        #expect(group.size == 1)
        #expect(!group.usesMPI)
        #expect(group.maxElementsPerCall == 5)
        #expect(try group.allreduce([1, 2] as [Int], op: .sum) == [1, 2])
        try group.barrier()
        try world.barrier()
    }

    @Test func perCallLimitIsClampedToInt32() {
        #expect(world.withMaxElementsPerCall(Int.max).maxElementsPerCall == Int(Int32.max))
        #expect(world.withMaxElementsPerCall(1).maxElementsPerCall == 1)
    }
}
