/// Where each rank's elements go in a gathered buffer: `counts[r]` elements at `displacements[r]`, packed in rank
/// order. Built from user-supplied counts, so every check throws instead of trapping.
struct VariableCountLayout {
    let counts: [Int]
    let displacements: [Int]
    let total: Int

    init(counts: [Int], size: Int, operation: String) throws {
        guard counts.count == size else {
            throw CommunicatorError.countsLength(operation: operation, expected: size, found: counts.count)
        }
        var displacements = [Int]()
        displacements.reserveCapacity(size)
        var total = 0
        for (rank, count) in counts.enumerated() {
            guard count >= 0 else {
                throw CommunicatorError.negativeCount(operation: operation, rank: rank, count: count)
            }
            displacements.append(total)
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else { throw CommunicatorError.countsOverflow(operation: operation) }
            total = sum
        }
        self.counts = counts
        self.displacements = displacements
        self.total = total
    }

    /// Whether one MPI call can carry the whole layout: every count and displacement, and the total, within `limit`.
    func fitsInOneCall(limit: Int) -> Bool {
        total <= limit
    }

    var int32Counts: [Int32] { counts.map { Int32($0) } }
    var int32Displacements: [Int32] { displacements.map { Int32($0) } }

    /// Checks that this rank sends exactly `counts[rank]` elements.
    func checkSend(count: Int, rank: Int, operation: String) throws {
        guard count == counts[rank] else {
            throw CommunicatorError.sendCountMismatch(
                operation: operation, rank: rank, expected: counts[rank], found: count)
        }
    }

    /// Checks that a receive buffer holds the whole layout.
    func checkReceive(count: Int, operation: String) throws {
        guard count >= total else {
            throw CommunicatorError.bufferTooSmall(
                operation: operation, buffer: "receive", needed: total, available: count)
        }
    }
}
