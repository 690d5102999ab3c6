import LetheDistributed

/// Allgatherv and gatherv with uneven counts, zero counts on some ranks, every root, every per-call limit.
struct GatherChecks {
    let world: Communicator
    let recorder: CheckRecorder
    let limits: [Int]

    /// Count patterns, each a function of (rank, size).
    static let patterns: [(name: String, count: @Sendable (Int, Int) -> Int)] = [
        ("uneven with zero at rank 1", { rank, _ in rank == 1 ? 0 : (rank * 5 + 2) % 9 }),
        ("all zero", { _, _ in 0 }),
        ("only the last rank", { rank, size in rank == size - 1 ? 6 : 0 }),
        ("rank + 1", { rank, _ in rank + 1 }),
    ]

    /// Element j of rank r's part.
    static func element(rank: Int, index: Int) -> Int { rank * 1000 + index }

    /// The sentinel that must survive past the gathered total.
    static let tail = 2

    func run() throws {
        for limit in limits {
            let communicator = world.withMaxElementsPerCall(limit)
            for pattern in Self.patterns {
                let counts = (0..<world.size).map { pattern.count($0, world.size) }
                try checkAllgather(Float.self, communicator, counts: counts, pattern: pattern.name)
                try checkAllgather(Double.self, communicator, counts: counts, pattern: pattern.name)
                try checkAllgather(Int.self, communicator, counts: counts, pattern: pattern.name)
                try checkAllgather(Int32.self, communicator, counts: counts, pattern: pattern.name)
                try checkAllgather(UInt8.self, communicator, counts: counts, pattern: pattern.name)
                for root in 0..<world.size {
                    try checkGather(Float.self, communicator, counts: counts, pattern: pattern.name, root: root)
                    try checkGather(Int.self, communicator, counts: counts, pattern: pattern.name, root: root)
                    try checkGather(UInt8.self, communicator, counts: counts, pattern: pattern.name, root: root)
                }
            }
            let gathered = try communicator.allgather(world.rank * 3 + 1)
            recorder.expect(
                "allgather[limit=\(limit)] one Int per rank", expected: (0..<world.size).map { $0 * 3 + 1 },
                got: gathered)
        }
    }

    private func part<T: CheckScalar>(_: T.Type, rank: Int, count: Int) -> [T] {
        (0..<count).map { T.checkValue(Self.element(rank: rank, index: $0)) }
    }

    private func concatenation<T: CheckScalar>(_: T.Type, counts: [Int]) -> [T] {
        counts.enumerated().flatMap { part(T.self, rank: $0.offset, count: $0.element) }
    }

    private func checkAllgather<T: CheckScalar>(
        _: T.Type, _ communicator: Communicator, counts: [Int], pattern: String
    ) throws {
        let name = "allgatherv[limit=\(communicator.maxElementsPerCall)] \(T.typeName) \(pattern)"
        let local = part(T.self, rank: world.rank, count: counts[world.rank])
        let expected = concatenation(T.self, counts: counts)
        let sentinel = T.checkValue(-7)
        let total = expected.count

        var receive = [T](repeating: sentinel, count: total + Self.tail)
        try local.withUnsafeBufferPointer { send in
            try receive.withUnsafeMutableBufferPointer { try communicator.allgatherv(send, into: $0, counts: counts) }
        }
        recorder.expect("\(name) buffer", expected: expected, got: Array(receive.prefix(total)))
        recorder.expect(
            "\(name) buffer tail untouched", expected: [T](repeating: sentinel, count: Self.tail),
            got: Array(receive.suffix(Self.tail)))

        // In place: only this rank's own part is filled in beforehand.
        var inPlace = [T](repeating: sentinel, count: total)
        let start = counts.prefix(world.rank).reduce(0, +)
        inPlace.replaceSubrange(start..<(start + local.count), with: local)
        try inPlace.withUnsafeMutableBufferPointer { try communicator.allgathervInPlace($0, counts: counts) }
        recorder.expect("\(name) in place", expected: expected, got: inPlace)

        recorder.expect("\(name) array", expected: expected, got: try communicator.allgatherv(local, counts: counts))
        recorder.expect("\(name) array, counts exchanged", expected: expected, got: try communicator.allgatherv(local))
    }

    private func checkGather<T: CheckScalar>(
        _: T.Type, _ communicator: Communicator, counts: [Int], pattern: String, root: Int
    ) throws {
        let name = "gatherv[limit=\(communicator.maxElementsPerCall)] \(T.typeName) \(pattern) root=\(root)"
        let local = part(T.self, rank: world.rank, count: counts[world.rank])
        let expected = concatenation(T.self, counts: counts)
        let sentinel = T.checkValue(-9)
        let isRoot = world.rank == root

        // Off root the receive buffer is not used: pass one full of sentinels and check it stays so.
        var receive = [T](repeating: sentinel, count: expected.count + Self.tail)
        try local.withUnsafeBufferPointer { send in
            try receive.withUnsafeMutableBufferPointer {
                try communicator.gatherv(send, into: $0, counts: counts, root: root)
            }
        }
        if isRoot {
            recorder.expect("\(name) buffer", expected: expected, got: Array(receive.prefix(expected.count)))
            recorder.expect(
                "\(name) buffer tail untouched", expected: [T](repeating: sentinel, count: Self.tail),
                got: Array(receive.suffix(Self.tail)))
        } else {
            recorder.expect(
                "\(name) receive untouched off root",
                expected: [T](repeating: sentinel, count: expected.count + Self.tail), got: receive)
        }

        // An empty receive buffer is fine off root.
        var empty = [T]()
        if !isRoot {
            try local.withUnsafeBufferPointer { send in
                try empty.withUnsafeMutableBufferPointer {
                    try communicator.gatherv(send, into: $0, counts: counts, root: root)
                }
            }
        } else {
            var rootReceive = [T](repeating: sentinel, count: expected.count)
            try local.withUnsafeBufferPointer { send in
                try rootReceive.withUnsafeMutableBufferPointer {
                    try communicator.gatherv(send, into: $0, counts: counts, root: root)
                }
            }
            recorder.expect("\(name) exact-size buffer", expected: expected, got: rootReceive)
        }

        let arrayResult = try communicator.gatherv(local, counts: counts, root: root)
        recorder.expect("\(name) array", expected: isRoot ? expected : [], got: arrayResult)
        let exchanged = try communicator.gatherv(local, root: root)
        recorder.expect("\(name) array, counts exchanged", expected: isRoot ? expected : [], got: exchanged)
    }
}
