import LetheDistributed

/// Allreduce of rank-dependent data for every type, op, length and per-call limit, in place and on arrays.
struct AllreduceChecks {
    let world: Communicator
    let recorder: CheckRecorder
    let limits: [Int]

    /// Element i on rank r: not monotone in r, so max and min come from different ranks at different i.
    static func input(rank: Int, index: Int) -> Int {
        (rank * 7 + index * 3) % 11 - 5
    }

    func run() throws {
        for limit in limits {
            let communicator = world.withMaxElementsPerCall(limit)
            try check(Float.self, communicator)
            try check(Double.self, communicator)
            try check(Int.self, communicator)
            try check(Int32.self, communicator)
        }
    }

    private func check<T: ReducibleCheckScalar>(_: T.Type, _ communicator: Communicator) throws {
        for op in ReductionOp.allCases {
            for length in [0, 1, 5, 13, 257] {
                let name = "allreduce[limit=\(communicator.maxElementsPerCall)] \(T.typeName) \(op) n=\(length)"
                let local = (0..<length).map { T.checkValue(Self.input(rank: world.rank, index: $0)) }
                let expected = (0..<length).map { expectedReduction(T.self, op: op, index: $0) }

                var inPlace = local
                try inPlace.withUnsafeMutableBufferPointer { try communicator.allreduce($0, op: op) }
                recorder.expect("\(name) buffer in place", expected: expected, got: inPlace)

                recorder.expect("\(name) array", expected: expected, got: try communicator.allreduce(local, op: op))
            }
            let scalar = try communicator.allreduce(T.checkValue(Self.input(rank: world.rank, index: 2)), op: op)
            recorder.expect(
                "allreduce[limit=\(communicator.maxElementsPerCall)] \(T.typeName) \(op) scalar",
                expected: expectedReduction(T.self, op: op, index: 2), got: scalar)
        }
    }

    /// The reduction over all ranks' element `index`, computed here from the input formula.
    private func expectedReduction<T: ReducibleCheckScalar>(_: T.Type, op: ReductionOp, index: Int) -> T {
        let values = (0..<world.size).map { T.checkValue(Self.input(rank: $0, index: index)) }
        switch op {
        case .sum: return values.reduce(T.zero, +)
        case .max: return values.max()!
        case .min: return values.min()!
        }
    }
}
