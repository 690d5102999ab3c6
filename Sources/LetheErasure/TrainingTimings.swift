import Foundation
import LetheDistributed
import LetheTelemetry

/// The `timings` of a training report: every rank's seconds per step and per part of it (min/mean/max over the
/// steps), the gradient allreduce's bytes and bandwidths, and its checkpoint writes (MB/s, compression ratio).
public struct TrainingTimings: Codable, Sendable, Equatable {
    public var ranks: [RankTimings]

    public init(ranks: [RankTimings]) {
        self.ranks = ranks
    }

    /// Every rank's summary of `timer`, on every rank (collective).
    public static func gather(_ timer: TrainingTimer, communicator: Communicator) throws -> TrainingTimings {
        let mine = try JSONEncoder().encode(timer.summary(rank: communicator.rank, ranks: communicator.size))
        let counts = try communicator.allgather(mine.count)
        let all = try communicator.allgatherv([UInt8](mine), counts: counts)
        var ranks: [RankTimings] = []
        var start = 0
        for count in counts {
            ranks.append(try JSONDecoder().decode(RankTimings.self, from: Data(all[start..<(start + count)])))
            start += count
        }
        return TrainingTimings(ranks: ranks)
    }

    /// The table rank 0 prints at the end.
    public var table: [String] { TimingTable.lines(ranks) }
}
