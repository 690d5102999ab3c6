// Contiguous shares: items 0..<count split into runs in rank order.
extension Communicator {
    /// Rank `rank`'s run of items when `count` items are split into `size` contiguous runs in rank order, the first
    /// `count % size` ranks taking one more; ranks past the last item get an empty run.
    public static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        precondition(count >= 0 && size > 0 && (0..<size).contains(rank), "share of \(count) items for rank \(rank) of \(size)")
        let base = count / size, extra = count % size
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// This rank's run of `count` items (see `share(of:rank:size:)`).
    public func share(of count: Int) -> Range<Int> { Self.share(of: count, rank: rank, size: size) }

    /// Every rank's run of `count` items, in rank order.
    public func shares(of count: Int) -> [Range<Int>] { (0..<size).map { Self.share(of: count, rank: $0, size: size) } }
}
