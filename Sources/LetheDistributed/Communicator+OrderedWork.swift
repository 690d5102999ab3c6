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
        var round = 0
        while round * size < count {
            let mine = round * size + rank
            var local = [Double]()
            if mine < count {
                local = try contribution(mine)
                precondition(local.count == length, "contribution \(mine) has \(local.count) values, expected \(length)")
            }
            let itemsThisRound = min(size, count - round * size)
            let counts = (0..<size).map { $0 < itemsThisRound ? length : 0 }
            let gathered = size == 1 ? local : try allgatherv(local, counts: counts)
            gathered.withUnsafeBufferPointer { parts in
                total.withUnsafeMutableBufferPointer { sum in
                    for item in 0..<itemsThisRound {
                        let base = item * length
                        for index in 0..<length { sum[index] += parts[base + index] }
                    }
                }
            }
            round += 1
        }
        return total
    }

    /// `produce(i)` for every i in 0..<count, each computed on its owner rank and shared with every rank:
    /// item i's `counts[i]` values. Returns the items in index order.
    public func distributedMap<T: CommunicatorElement>(
        count: Int, counts: [Int], produce: (Int) throws -> [T]
    ) throws -> [[T]] {
        precondition(counts.count == count, "counts has \(counts.count) entries for \(count) items")
        var results = [[T]](repeating: [], count: count)
        var round = 0
        while round * size < count {
            let mine = round * size + rank
            var local = [T]()
            if mine < count {
                local = try produce(mine)
                precondition(local.count == counts[mine], "item \(mine) has \(local.count) values, expected \(counts[mine])")
            }
            let rankCounts = (0..<size).map { round * size + $0 < count ? counts[round * size + $0] : 0 }
            let gathered = size == 1 ? local : try allgatherv(local, counts: rankCounts)
            var offset = 0
            for peer in 0..<size where round * size + peer < count {
                results[round * size + peer] = Array(gathered[offset..<(offset + rankCounts[peer])])
                offset += rankCounts[peer]
            }
            round += 1
        }
        return results
    }
}
