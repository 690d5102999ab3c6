import LetheTelemetry
import Testing

/// Per-step timings and the bandwidths as nccl-tests defines them.
@Suite struct TimingsTests {
    @Test func busBandwidthIsAlgorithmBandwidthTimesTwoNMinusOneOverN() throws {
        let algorithm = try #require(Bandwidth.algorithm(bytes: 3_200_000, seconds: 0.002))
        #expect(algorithm == 1.6e9)
        #expect(Bandwidth.allreduceBus(algorithm: algorithm, ranks: 2) == 1.6e9)
        #expect(Bandwidth.allreduceBus(algorithm: algorithm, ranks: 4) == 2.4e9)
        #expect(Bandwidth.allreduceBus(algorithm: 1e9, ranks: 8) == 1.75e9)
        #expect(Bandwidth.allreduceBus(algorithm: algorithm, ranks: 1) == 0)
        #expect(Bandwidth.algorithm(bytes: 0, seconds: 1) == nil)
        #expect(Bandwidth.algorithm(bytes: 10, seconds: 0) == nil)
    }

    @Test func spreadOverSteps() {
        #expect(TimingSpread([2, 1, 3]) == TimingSpread(min: 1, mean: 2, max: 3))
        #expect(TimingSpread([]) == TimingSpread(min: 0, mean: 0, max: 0))
    }

    @Test func spansInsideStepsAddUpPerStep() throws {
        let timer = TrainingTimer()
        timer.recording {
            for number in 1...2 {
                Activity.step(number) {
                    Activity.measure(.forward, "forward") {}
                    Activity.measure(.forward, "text encoder forward") {}
                    Activity.measure(.allreduce, "gradients", bytes: 1_000) {}
                    Activity.measure(.optimizer, "optimizer") {}
                }
            }
            // Outside a step: not part of any step; a checkpoint shard is counted on its own.
            Activity.measure(.forward, "attention mass") {}
            var shard = Activity.begin(.checkpointWrite, "write shard", bytes: 4_000)
            shard.compressedBytes = 1_000
            shard.end()
        }
        // Not the current timer any more.
        Activity.step(3) {}
        let steps = timer.steps
        #expect(steps.count == 2)
        #expect(steps.allSatisfy { $0.allreduceBytes == 1_000 && $0.parts.keys.sorted { $0.rawValue < $1.rawValue } == [.allreduce, .forward, .optimizer] })
        #expect(steps.allSatisfy { $0.seconds >= ($0.parts.values.reduce(0, +)) })
        let summary = timer.summary(rank: 1, ranks: 4)
        #expect(summary.rank == 1 && summary.steps == 2)
        #expect(summary.allreduceBytesPerStep == 1_000)
        let algorithm = try #require(summary.algorithmBandwidth)
        #expect(summary.busBandwidth == Bandwidth.allreduceBus(algorithm: algorithm, ranks: 4))
        let writes = try #require(summary.checkpointWrites)
        #expect(writes.saves == 1 && writes.rawBytes == 4_000 && writes.compressedBytes == 1_000)
        #expect(writes.compressionRatio == 4)
        // One rank: no bandwidth.
        #expect(timer.summary(rank: 0, ranks: 1).busBandwidth == nil)
        let table = TimingTable.lines([summary, timer.summary(rank: 0, ranks: 4)])
        #expect(table.count == 6)
        #expect(table[0].hasPrefix("timings over 2 step(s)"))
        #expect(table[1].contains("forward") && table[1].contains("bus GB/s"))
        #expect(table.last?.contains("ratio 4.00") == true)
    }
}
