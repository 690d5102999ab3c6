// Work items spread over the ranks whose results do not depend on how many ranks there are: item i is done by
// rank i % size, and results are combined in item order, so `-np 1` and `-np 4` give the same bits.
extension Communicator {
    /// The rank that does work item `index`.
    public func owner(ofItem index: Int) -> Int { index % size }

    /// Σᵢ contribution(i) for i in 0..<count, summed in index order: ((c₀ + c₁) + c₂) + …, bitwise identical for
    /// any number of ranks. Each contribution (exactly `length` values) is computed only on its owner rank; the
    /// items travel in rounds of one per rank, so at most `size` contributions are held at a time.
    public func orderedSum(count: Int, length: Int, contribution: (Int) throws -> [Double]) throws -> [Double] {
        var total = [Double](repeating: 0, count: length)
        try inRounds(count: count, counts: [Int](repeating: length, count: count), produce: contribution) { _, part in
            total.withUnsafeMutableBufferPointer { sum in
                for (index, value) in zip(0..<length, part) { sum[index] += value }
            }
        }
        return total
    }

    /// `produce(i)` for every i in 0..<count, each computed on its owner rank and shared with every rank:
    /// item i's `counts[i]` values. Returns the items in index order.
    public func distributedMap<T: CommunicatorElement>(
        count: Int, counts: [Int], produce: (Int) throws -> [T]
    ) throws -> [[T]] {
        var results = [[T]](repeating: [], count: count)
        try inRounds(count: count, counts: counts, produce: produce) { index, part in results[index] = Array(part) }
        return results
    }

    /// Runs the items in rounds of one per rank: each rank produces its item of the round, the round's items are
    /// gathered on every rank, and `consume` sees them in index order.
    private func inRounds<T: CommunicatorElement>(
        count: Int, counts: [Int], produce: (Int) throws -> [T], consume: (Int, ArraySlice<T>) -> Void
    ) throws {
        precondition(counts.count == count, "counts has \(counts.count) entries for \(count) items")
        var first = 0
        while first < count {
            let items = min(size, count - first)
            var local = [T]()
            if rank < items {
                local = try produce(first + rank)
                precondition(local.count == counts[first + rank],
                             "item \(first + rank) has \(local.count) values, expected \(counts[first + rank])")
            }
            let rankCounts = (0..<size).map { $0 < items ? counts[first + $0] : 0 }
            let gathered = size == 1 ? local : try allgatherv(local, counts: rankCounts)
            var offset = 0
            for peer in 0..<items {
                consume(first + peer, gathered[offset..<(offset + rankCounts[peer])])
                offset += rankCounts[peer]
            }
            first += items
        }
    }
}
