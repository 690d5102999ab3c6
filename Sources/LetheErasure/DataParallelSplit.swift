/// How a global batch is shared between the ranks of a data-parallel job: rank r takes a contiguous run of the
/// global sample indices (the first `global % size` ranks one more), and its gradient counts in proportion to the
/// samples it took, so the summed gradient is that of the whole batch.
public struct DataParallelSplit: Sendable, Equatable {
    public let globalBatch: Int
    public let rank: Int
    public let size: Int

    /// Throws when the global batch has fewer samples than there are ranks (a rank would have nothing to do).
    public init(globalBatch: Int, rank: Int, size: Int) throws {
        precondition(size > 0 && rank >= 0 && rank < size, "rank \(rank) of \(size)")
        guard globalBatch >= size else {
            throw ErasureError.invalidArgument(
                name: "--batch-size",
                reason: "is \(globalBatch), fewer samples than the \(size) ranks; give at least one sample per rank")
        }
        self.globalBatch = globalBatch
        self.rank = rank
        self.size = size
    }

    /// This rank's positions within the global batch.
    public var localRange: Range<Int> {
        let base = globalBatch / size, extra = globalBatch % size
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// The global sample indices this rank handles at optimizer step `step`.
    public func sampleIndices(step: Int) -> [Int] {
        localRange.map { step * globalBatch + $0 }
    }

    /// This rank's share of a batch-mean loss: local samples / global batch.
    public var weight: Double { Double(localRange.count) / Double(globalBatch) }
}
