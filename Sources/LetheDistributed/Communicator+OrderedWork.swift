import Dispatch

// Work items spread over the ranks whose results do not depend on how many ranks there are: each item is computed
// whole by one thread of one rank, and results are combined in item order, so `-np 1` and `-np 4` give the same bits.
extension Communicator {
    /// Σᵢ contribution(i) for i in 0..<count, summed in index order: ((c₀ + c₁) + c₂) + …, bitwise identical for
    /// any number of ranks. Each contribution (exactly `length` values) is computed on one rank only; the items
    /// travel in rounds of `itemWorkers` per rank, so only one round's contributions are held at a time.
    public func orderedSum(count: Int, length: Int, contribution: (Int) throws -> [Double]) throws -> [Double] {
        var total = [Double](repeating: 0, count: length)
        try inRounds(count: count, counts: [Int](repeating: length, count: count), produce: contribution) { _, part in
            total.withUnsafeMutableBufferPointer { sum in
                for (index, value) in zip(0..<length, part) { sum[index] += value }
            }
        }
        return total
    }

    /// `produce(i)` for every i in 0..<count, each computed on one rank and shared with every rank: item i's
    /// `counts[i]` values. Returns the items in index order.
    public func distributedMap<T: CommunicatorElement>(
        count: Int, counts: [Int], produce: (Int) throws -> [T]
    ) throws -> [[T]] {
        var results = [[T]](repeating: [], count: count)
        try inRounds(count: count, counts: counts, produce: produce) { index, part in results[index] = Array(part) }
        return results
    }

    /// Runs the items in rounds: rank r takes the round's r-th run of `itemWorkers` consecutive items (one thread
    /// each), the round's items are gathered on every rank, and `consume` sees them in index order.
    private func inRounds<T: CommunicatorElement>(
        count: Int, counts: [Int], produce: (Int) throws -> [T], consume: (Int, ArraySlice<T>) -> Void
    ) throws {
        precondition(counts.count == count, "counts has \(counts.count) entries for \(count) items")
        var first = 0
        while first < count {
            let items = min(size * itemWorkers, count - first)
            // Rank r's run of this round (empty for the ranks past the last item).
            func run(_ peer: Int) -> Range<Int> {
                min(first + peer * itemWorkers, first + items)..<min(first + (peer + 1) * itemWorkers, first + items)
            }
            let mine = run(rank)
            let local = try Self.concurrentMap(mine, produce).flatMap { $0 }
            let rankCounts = (0..<size).map { run($0).reduce(0) { $0 + counts[$1] } }
            precondition(local.count == rankCounts[rank], "items \(mine) have \(local.count) values, expected \(rankCounts[rank])")
            let gathered = size == 1 ? local : try allgatherv(local, counts: rankCounts)
            var offset = 0
            for index in first..<(first + items) {
                consume(index, gathered[offset..<(offset + counts[index])])
                offset += counts[index]
            }
            first += items
        }
    }

    /// `produce` over `indices`, one thread per index, results in index order; the first error is rethrown.
    private static func concurrentMap<T>(_ indices: Range<Int>, _ produce: (Int) throws -> [T]) throws -> [[T]] {
        guard indices.count > 1 else { return try indices.map(produce) }
        let slots = UnsafeMutableBufferPointer<Result<[T], any Error>?>.allocate(capacity: indices.count)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize().deallocate() }
        withoutActuallyEscaping(produce) { produce in
            let work = UncheckedWork(slots: slots, produce: produce, first: indices.lowerBound)
            DispatchQueue.concurrentPerform(iterations: indices.count) { work.run($0) }
        }
        return try slots.map { try $0!.get() }
    }
}

/// One concurrent map's shared state: each thread writes only its own slot, and `produce` only reads shared data
/// (the callers' contract: items are independent).
private struct UncheckedWork<T>: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<Result<[T], any Error>?>
    let produce: (Int) throws -> [T]
    let first: Int

    func run(_ offset: Int) {
        slots[offset] = Result { try produce(first + offset) }
    }
}
