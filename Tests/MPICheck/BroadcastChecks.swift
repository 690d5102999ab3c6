import LetheDistributed

/// Broadcast from every root (non-zero roots included) of typed buffers, raw bytes, scalars, and bytes or strings
/// whose length only the root knows.
struct BroadcastChecks {
    let world: Communicator
    let recorder: CheckRecorder
    let limits: [Int]

    /// Element i of root's buffer; other ranks start from different values.
    static func rootValue(root: Int, index: Int) -> Int { root * 100 + index * 7 - 40 }
    static func otherValue(rank: Int, index: Int) -> Int { -(rank * 31 + index) }

    func run() throws {
        for limit in limits {
            let communicator = world.withMaxElementsPerCall(limit)
            for root in 0..<world.size {
                try checkTyped(Float.self, communicator, root: root)
                try checkTyped(Double.self, communicator, root: root)
                try checkTyped(Int.self, communicator, root: root)
                try checkTyped(Int32.self, communicator, root: root)
                try checkTyped(UInt8.self, communicator, root: root)
                try checkRawBytes(communicator, root: root)
                try checkUnknownLength(communicator, root: root)
            }
        }
    }

    private func checkTyped<T: CheckScalar>(_: T.Type, _ communicator: Communicator, root: Int) throws {
        let name = "broadcast[limit=\(communicator.maxElementsPerCall)] \(T.typeName) root=\(root)"
        let length = 13
        let expected = (0..<length).map { T.checkValue(Self.rootValue(root: root, index: $0)) }
        var values = (0..<length).map {
            T.checkValue(world.rank == root ? Self.rootValue(root: root, index: $0) : Self.otherValue(rank: world.rank, index: $0))
        }
        try values.withUnsafeMutableBufferPointer { try communicator.broadcast($0, root: root) }
        recorder.expect("\(name) buffer", expected: expected, got: values)

        var array = world.rank == root ? expected : [T](repeating: T.checkValue(world.rank), count: length)
        try communicator.broadcast(&array, root: root)
        recorder.expect("\(name) array", expected: expected, got: array)

        let scalar = try communicator.broadcast(T.checkValue(world.rank * 13 + 1), root: root)
        recorder.expect("\(name) scalar", expected: T.checkValue(root * 13 + 1), got: scalar)
    }

    /// Raw bytes of a Double array: the bytes must arrive unchanged, whatever they encode.
    private func checkRawBytes(_ communicator: Communicator, root: Int) throws {
        let name = "broadcast[limit=\(communicator.maxElementsPerCall)] raw bytes root=\(root)"
        let expected = (0..<7).map { Double(Self.rootValue(root: root, index: $0)) / 3 }
        var values = world.rank == root ? expected : [Double](repeating: -1, count: 7)
        try values.withUnsafeMutableBytes { try communicator.broadcast($0, root: root) }
        recorder.expect(name, expected: expected, got: values)
    }

    private func checkUnknownLength(_ communicator: Communicator, root: Int) throws {
        let name = "broadcast[limit=\(communicator.maxElementsPerCall)]"
        // Only the root's length counts; the others pass arrays of other lengths, or none.
        let rootBytes = (0..<(3 + 17 * root)).map { UInt8(truncatingIfNeeded: $0 * 29 + root) }
        let mine = world.rank == root ? rootBytes : [UInt8](repeating: 0xEE, count: world.rank)
        recorder.expect(
            "\(name) bytes of unknown length root=\(root)", expected: rootBytes,
            got: try communicator.broadcast(bytes: mine, root: root))

        let rootString = "Λήθη root \(root) ✓ " + String(repeating: "ab", count: root * 5)
        let myString = world.rank == root ? rootString : "rank \(world.rank)"
        recorder.expect(
            "\(name) string root=\(root)", expected: rootString,
            got: try communicator.broadcast(string: myString, root: root))

        recorder.expect(
            "\(name) empty string root=\(root)", expected: "",
            got: try communicator.broadcast(string: world.rank == root ? "" : "not empty", root: root))
    }
}
