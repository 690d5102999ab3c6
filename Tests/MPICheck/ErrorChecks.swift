import LetheDistributed

/// Bad arguments throw the same error on every rank before any MPI call, the communicator keeps working after, and
/// an MPI failure comes back as a thrown error carrying MPI_Error_string's text.
struct ErrorChecks {
    let world: Communicator
    let recorder: CheckRecorder

    func run() throws {
        let size = world.size
        let rank = world.rank
        let counts = (0..<size).map { $0 + 1 }

        recorder.expectError("allgatherv with one count too many", "countsLength", matches: {
            $0 == .countsLength(operation: "allgatherv", expected: size, found: size + 1)
        }) { _ = try world.allgatherv([Float](repeating: 1, count: rank + 1), counts: counts + [1]) }

        recorder.expectError("gatherv with a negative count", "negativeCount", matches: {
            $0 == .negativeCount(operation: "gatherv", rank: size - 1, count: -2)
        }) { _ = try world.gatherv([Int](), counts: Array(counts.dropLast()) + [-2], root: 0) }

        recorder.expectError("allgatherv sending one element too many", "sendCountMismatch", matches: {
            $0 == .sendCountMismatch(operation: "allgatherv", rank: rank, expected: rank + 1, found: rank + 2)
        }) { _ = try world.allgatherv([Double](repeating: 0, count: rank + 2), counts: counts) }

        let total = counts.reduce(0, +)
        recorder.expectError("allgatherv into a short buffer", "bufferTooSmall", matches: {
            $0 == .bufferTooSmall(operation: "allgatherv", buffer: "receive", needed: total, available: total - 1)
        }) {
            var receive = [Int32](repeating: 0, count: total - 1)
            try receive.withUnsafeMutableBufferPointer { try world.allgathervInPlace($0, counts: counts) }
        }

        // Only the root checks its receive buffer, so only the root throws; the others would enter MPI_Gatherv
        // and wait, which is why this check runs on the root alone.
        if rank == size - 1 {
            recorder.expectError("gatherv into a short buffer at root", "bufferTooSmall", matches: {
                $0 == .bufferTooSmall(operation: "gatherv", buffer: "receive", needed: total, available: total - 1)
            }) {
                let send = [UInt8](repeating: 1, count: rank + 1)
                var receive = [UInt8](repeating: 0, count: total - 1)
                try send.withUnsafeBufferPointer { send in
                    try receive.withUnsafeMutableBufferPointer {
                        try world.gatherv(send, into: $0, counts: counts, root: rank)
                    }
                }
            }
        }

        if size >= 2 {
            recorder.expectError("allgatherv with counts past Int.max", "countsOverflow", matches: {
                $0 == .countsOverflow(operation: "allgatherv")
            }) { _ = try world.allgatherv([UInt8](), counts: [Int.max] + [Int](repeating: 1, count: size - 1)) }
        }

        recorder.expectError("broadcast from root = size", "invalidRoot", matches: {
            $0 == .invalidRoot(operation: "broadcast", root: size, size: size)
        }) { _ = try world.broadcast(1.5 as Float, root: size) }

        recorder.expectError("gatherv to root -1", "invalidRoot", matches: {
            $0 == .invalidRoot(operation: "gatherv", root: -1, size: size)
        }) { _ = try world.gatherv([1] as [Int], root: -1) }

        recorder.expectError("split with a negative color", "invalidArgument", matches: {
            if case .invalidArgument(operation: "split", argument: "color", _, found: "-3") = $0 { return true }
            return false
        }) { _ = try world.split(color: -3, key: 0) }

        recorder.expect(
            "allreduce after argument errors", expected: size, got: try world.allreduce(1, op: .sum))

        if size >= 2 { try checkMPIErrorIsThrown() }
    }

    /// Ranks disagree on rank 1's count in the chunked gatherv, so the root's MPI_Recv gets a longer message than
    /// it posted for: MPI_ERR_TRUNCATE, which must come back as a thrown `.mpi` error. Run on a scratch
    /// communicator so the unreceived messages left behind cannot match later receives.
    private func checkMPIErrorIsThrown() throws {
        let rank = world.rank
        let scratch = try world.split(color: 0, key: rank).withMaxElementsPerCall(3)
        var counts = (0..<world.size).map { $0 == 0 ? 3 : ($0 == 1 ? 1 : 2) }
        if rank == 1 { counts[1] = 4 }
        let local = [Float](repeating: Float(rank), count: counts[rank])
        do {
            _ = try scratch.gatherv(local, counts: counts, root: 0)
            if rank == 0 {
                recorder.fail("MPI error from a truncated receive", "expected a thrown MPI_Recv error, got none")
            } else {
                recorder.expect("MPI error from a truncated receive: the sender is not affected", expected: true, got: true)
            }
        } catch let CommunicatorError.mpi(operation, _, message) where rank == 0 {
            recorder.expect("MPI error from a truncated receive: operation", expected: "MPI_Recv", got: operation)
            recorder.expect(
                "MPI error from a truncated receive: MPI_Error_string text (\(message))", expected: true,
                got: message.uppercased().contains("TRUNCATE"))
        }
        try world.barrier()
    }
}
