import LetheDistributed

/// Megabyte-sized messages, which Open MPI sends by rendezvous rather than eagerly, whole and in chunks.
struct LargeMessageChecks {
    let world: Communicator
    let recorder: CheckRecorder

    func run() throws {
        for limit in [Communicator.defaultMaxElementsPerCall, 100_000] {
            let communicator = world.withMaxElementsPerCall(limit)
            let name = "large[limit=\(limit)]"
            let length = 1 << 20

            // Element i on rank r is (i % 1024) + r: the sum is N * (i % 1024) + N(N-1)/2, exact in Float.
            var values = [Float](repeating: 0, count: length)
            values.withUnsafeMutableBufferPointer { buffer in
                for index in 0..<length { buffer[index] = Float(index % 1024 + world.rank) }
            }
            try values.withUnsafeMutableBufferPointer { try communicator.allreduce($0, op: .sum) }
            let size = world.size
            let mismatches = (0..<length).filter { values[$0] != Float(size * ($0 % 1024) + size * (size - 1) / 2) }
            recorder.expect("\(name) allreduce sum of 2^20 floats: mismatching elements", expected: 0, got: mismatches.count)

            let root = world.size - 1
            var bytes = [UInt8](repeating: UInt8(world.rank), count: 3 << 20)
            if world.rank == root {
                for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 131 &+ 7) }
            }
            try communicator.broadcast(&bytes, root: root)
            let badBytes = bytes.indices.filter { bytes[$0] != UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
            recorder.expect("\(name) broadcast of 3 MiB: mismatching bytes", expected: 0, got: badBytes.count)

            // Rank r contributes (r + 1) * 150_000 doubles equal to r * 1e6 + j.
            let counts = (0..<size).map { ($0 + 1) * 150_000 }
            let local = (0..<counts[world.rank]).map { Double(world.rank) * 1e6 + Double($0) }
            let gathered = try communicator.allgatherv(local, counts: counts)
            var expectedIndex = 0
            var badDoubles = 0
            for (rank, count) in counts.enumerated() {
                for j in 0..<count where expectedIndex < gathered.count {
                    if gathered[expectedIndex] != Double(rank) * 1e6 + Double(j) { badDoubles += 1 }
                    expectedIndex += 1
                }
            }
            recorder.expect("\(name) allgatherv length", expected: counts.reduce(0, +), got: gathered.count)
            recorder.expect("\(name) allgatherv: mismatching elements", expected: 0, got: badDoubles)
        }
    }
}
