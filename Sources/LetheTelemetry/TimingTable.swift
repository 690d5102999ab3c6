import Foundation

/// The per-rank timings of a training job as rank 0 prints them at the end: one row per rank with the
/// min/mean/max seconds per step of each part, the gradient allreduce's bus bandwidth, and the checkpoint writes.
public enum TimingTable {
    /// At most this many ranks get a row; the report holds them all.
    public static let maximumRows = 16

    public static func lines(_ ranks: [RankTimings]) -> [String] {
        guard let steps = ranks.first?.steps, steps > 0 else { return [] }
        let parts: [(String, KeyPath<RankTimings, TimingSpread>)] = [
            ("step", \.step), ("data", \.data), ("forward", \.forward), ("backward", \.backward), ("sync", \.sync),
            ("allreduce", \.allreduce), ("optimizer", \.optimizer),
        ]
        func cell(_ spread: TimingSpread) -> String {
            String(format: "%.3f/%.3f/%.3f", spread.min, spread.mean, spread.max)
        }
        let width = ranks.prefix(maximumRows).flatMap { rank in parts.map { cell(rank[keyPath: $0.1]).count } }.max() ?? 0
        func padded(_ text: String) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        let multiRank = ranks.count > 1
        var lines = ["timings over \(steps) step(s), seconds per step (min/mean/max) on each rank:"]
        func row(_ cells: [String]) -> String {
            var text = cells.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        lines.append(row(["rank"] + parts.map { padded($0.0) } + (multiRank ? ["bus GB/s"] : [])))
        for rank in ranks.prefix(maximumRows) {
            var cells = [String(format: "%4d", rank.rank)] + parts.map { padded(cell(rank[keyPath: $0.1])) }
            if multiRank { cells.append(rank.busBandwidth.map { String(format: "%.3f", $0 / 1e9) } ?? "-") }
            lines.append(row(cells))
        }
        if ranks.count > maximumRows {
            lines.append("(ranks \(maximumRows)–\(ranks.count - 1) in the report's training.timings)")
        }
        if let bytes = ranks.first?.allreduceBytesPerStep {
            lines.append("gradient allreduce: \(bytes) bytes per step; bus bandwidth = bytes/time × 2(n−1)/n, n = \(ranks.count)")
        }
        let writes = ranks.prefix(maximumRows).compactMap { rank in
            rank.checkpointWrites.map { write in
                String(format: "rank %d: %d save(s), %.3f s, %@ MB/s, ratio %@", rank.rank, write.saves, write.seconds,
                       write.megabytesPerSecond.map { String(format: "%.1f", $0) } ?? "-",
                       write.compressionRatio.map { String(format: "%.2f", $0) } ?? "-")
            }
        }
        if !writes.isEmpty { lines.append("checkpoint writes: " + writes.joined(separator: "; ")) }
        return lines
    }
}
