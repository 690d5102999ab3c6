import LetheDistributed

/// Sub-communicators from split: sizes, ranks ordered by key (ties by world rank), and collectives whose results
/// depend only on the group's own members.
struct SplitChecks {
    let world: Communicator
    let recorder: CheckRecorder

    /// Split schemes as (name, color, key) of a world rank.
    static let schemes: [(name: String, color: @Sendable (Int, Int) -> Int, key: @Sendable (Int, Int) -> Int)] = [
        ("even/odd, key = rank", { rank, _ in rank % 2 }, { rank, _ in rank }),
        ("even/odd, key = -rank", { rank, _ in rank % 2 }, { rank, _ in -rank }),
        ("even/odd, equal keys", { rank, _ in rank % 2 }, { _, _ in 0 }),
        ("even/odd, key = (size - rank) % 3", { rank, _ in rank % 2 }, { rank, size in (size - rank) % 3 }),
        ("one group, key = -rank", { _, _ in 0 }, { rank, _ in -rank }),
        ("one group per rank", { rank, _ in rank * 3 }, { _, _ in 5 }),
        ("low half/high half, key = rank % 2", { rank, size in rank < (size + 1) / 2 ? 7 : 2 }, { rank, _ in rank % 2 }),
    ]

    func run() throws {
        for scheme in Self.schemes {
            for limit in [Communicator.defaultMaxElementsPerCall, 1] {
                try check(scheme: scheme, limit: limit)
            }
        }
        try checkNested()
    }

    /// World ranks of this rank's group, in the order the group's ranks must have.
    private func expectedMembers(color: (Int, Int) -> Int, key: (Int, Int) -> Int) -> [Int] {
        let size = world.size
        let myColor = color(world.rank, size)
        return (0..<size).filter { color($0, size) == myColor }
            .sorted { (key($0, size), $0) < (key($1, size), $1) }
    }

    private func check(
        scheme: (name: String, color: @Sendable (Int, Int) -> Int, key: @Sendable (Int, Int) -> Int), limit: Int
    ) throws {
        let name = "split \(scheme.name) [limit=\(limit)]"
        let parent = world.withMaxElementsPerCall(limit)
        let group = try parent.split(color: scheme.color(world.rank, world.size), key: scheme.key(world.rank, world.size))
        let members = expectedMembers(color: scheme.color, key: scheme.key)
        recorder.expect("\(name) size", expected: members.count, got: group.size)
        recorder.expect("\(name) rank", expected: members.firstIndex(of: world.rank) ?? -1, got: group.rank)
        recorder.expect("\(name) keeps the per-call limit", expected: limit, got: group.maxElementsPerCall)
        try checkGroupCollectives(group, members: members, name: name)
    }

    /// Collectives inside a group give group-local results; groups run different numbers of calls in between, so
    /// any crosstalk between groups would mismatch.
    private func checkGroupCollectives(_ group: Communicator, members: [Int], name: String) throws {
        for extra in 0..<(members.first ?? 0) % 3 {
            recorder.expect(
                "\(name) extra allreduce \(extra)", expected: members.count, got: try group.allreduce(1, op: .sum))
        }
        let mine = [world.rank + 1, 10 * world.rank, -world.rank]
        let reduced = try group.allreduce(mine, op: .sum)
        recorder.expect(
            "\(name) allreduce sum", expected: [
                members.reduce(0) { $0 + $1 + 1 }, members.reduce(0) { $0 + 10 * $1 }, members.reduce(0) { $0 - $1 },
            ], got: reduced)
        recorder.expect(
            "\(name) allreduce max", expected: members.max() ?? -1, got: try group.allreduce(world.rank, op: .max))
        recorder.expect(
            "\(name) allreduce min", expected: Double(members.min() ?? -1),
            got: try group.allreduce(Double(world.rank), op: .min))

        recorder.expect("\(name) allgather of world ranks", expected: members, got: try group.allgather(world.rank))

        // Uneven parts: group rank g contributes g + 1 copies of its world rank.
        let part = [Int32](repeating: Int32(world.rank), count: group.rank + 1)
        let concatenated = members.enumerated().flatMap { [Int32](repeating: Int32($0.element), count: $0.offset + 1) }
        recorder.expect("\(name) allgatherv", expected: concatenated, got: try group.allgatherv(part))

        let lastRoot = group.size - 1
        recorder.expect(
            "\(name) gatherv to the last group rank", expected: group.rank == lastRoot ? concatenated : [],
            got: try group.gatherv(part, root: lastRoot))
        recorder.expect(
            "\(name) broadcast from the last group rank", expected: members.last ?? -1,
            got: try group.broadcast(world.rank, root: lastRoot))
        recorder.expect(
            "\(name) string broadcast", expected: "group led by world rank \(members.first ?? -1)",
            got: try group.broadcast(string: "group led by world rank \(world.rank)", root: 0))
        try group.barrier()
        recorder.expect("\(name) barrier", expected: true, got: true)
    }

    /// A split of a split: even/odd, then each group split again by group rank parity with reversed keys.
    private func checkNested() throws {
        let name = "split nested"
        let first = try world.split(color: world.rank % 2, key: world.rank)
        let second = try first.split(color: first.rank % 2, key: -first.rank)
        let firstMembers = (0..<world.size).filter { $0 % 2 == world.rank % 2 }
        let myIndex = firstMembers.firstIndex(of: world.rank) ?? -1
        let members = firstMembers.indices.filter { $0 % 2 == myIndex % 2 }.reversed().map { firstMembers[$0] }
        recorder.expect("\(name) size", expected: members.count, got: second.size)
        recorder.expect("\(name) rank", expected: members.firstIndex(of: world.rank) ?? -1, got: second.rank)
        try checkGroupCollectives(second, members: members, name: name)
    }
}
