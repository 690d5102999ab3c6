import Foundation
import LetheTelemetry
import Testing

/// The trace file: valid JSON in the Trace Event Format, every rank's events under its pid, ranks on one time line.
@Suite struct ChromeTraceTests {
    /// Two ranks whose monotonic clocks started at different readings, with wall clocks 2 ms apart.
    let ranks = [
        RankTrace(rank: 1, processID: 4243, host: "node-b", monotonicOrigin: 5_000_000_000, wallOrigin: 1_700_000_000_002_000_000,
                  events: [
                      TraceEvent(name: "step 1", kind: .step, start: 5_000_000_000, duration: 3_000_000, thread: 4243),
                      TraceEvent(name: "gradients", kind: .allreduce, start: 5_002_000_000, duration: 500_000, thread: 4243,
                                 arguments: ["bytes": .integer(3_200_000)]),
                  ], dropped: 2),
        RankTrace(rank: 0, processID: 4242, host: "node-a", monotonicOrigin: 9_000_000_000, wallOrigin: 1_700_000_000_000_000_000,
                  events: [
                      TraceEvent(name: "step 1", kind: .step, start: 9_000_000_000, duration: 4_000_000, thread: 4242),
                      TraceEvent(name: "generate image 0", kind: .generate, start: 9_000_500_000, duration: 1_000, thread: 7,
                                 arguments: ["note": .text("a \"quoted\" name\n")]),
                  ]),
    ]

    func events(_ document: [UInt8]) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document)) as? [String: Any])
        return try #require(object["traceEvents"] as? [[String: Any]])
    }

    @Test func documentIsJSONWithCompleteEventsPerRank() throws {
        let document = try ChromeTrace.document(ranks, metadata: ["job": "fmn"])
        let all = try events(document)
        let complete = all.filter { $0["ph"] as? String == "X" }
        #expect(complete.count == 4)
        #expect(Set(complete.compactMap { $0["pid"] as? Int }) == [0, 1])
        for event in complete {
            #expect(event["name"] is String && event["cat"] is String && event["tid"] is Int)
            #expect(event["ts"] is Double || event["ts"] is Int)
            #expect(event["dur"] is Double || event["dur"] is Int)
        }
        let allreduce = try #require(complete.first { $0["cat"] as? String == "allreduce" })
        #expect((allreduce["args"] as? [String: Any])?["bytes"] as? Int == 3_200_000)
        #expect((allreduce["dur"] as? Double) == 500)
        // Each rank is named and sorted; rank 1's dropped events are stated.
        let names = all.filter { $0["name"] as? String == "process_name" }
        #expect(names.count == 2)
        #expect(all.contains { $0["name"] as? String == "dropped_events" && $0["pid"] as? Int == 1 })
        #expect(all.contains { $0["name"] as? String == "thread_name" && $0["tid"] as? Int == 4242 })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document)) as? [String: Any])
        #expect((object["otherData"] as? [String: String])?["job"] == "fmn")
    }

    @Test func ranksShareOneTimeLineThroughTheWallClock() throws {
        let complete = try events(try ChromeTrace.document(ranks)).filter { $0["ph"] as? String == "X" }
        func start(_ pid: Int, _ name: String) -> Double? {
            complete.first { $0["pid"] as? Int == pid && $0["name"] as? String == name }?["ts"] as? Double
        }
        // Rank 0's first step is the earliest event: time 0; rank 1's began 2 ms (2,000 µs) later by the wall clock.
        #expect(start(0, "step 1") == 0)
        #expect(start(1, "step 1") == 2_000)
        #expect(start(1, "gradients") == 4_000)
        #expect(start(0, "generate image 0") == 500)
        #expect(complete.allSatisfy { ($0["ts"] as? Double ?? -1) >= 0 })
    }

    @Test func aTraceIsRecognisedByItsFirstBytes() throws {
        let document = try ChromeTrace.document(ranks)
        #expect(ChromeTrace.isTrace(prefix: document.prefix(32)))
        #expect(ChromeTrace.isTrace(prefix: try ChromeTrace.document([])))
        #expect(!ChromeTrace.isTrace(prefix: Array(#"{"method": "fmn"}"#.utf8)))
        #expect(!ChromeTrace.isTrace(prefix: [UInt8]()))
        // An empty trace is still a valid document.
        #expect(try events(try ChromeTrace.document([])).isEmpty)
    }

    @Test func recordedSpansReachTheRecorder() throws {
        let recorder = TraceRecorder.shared
        // Names no other test uses: other suites' spans may land in the same recording.
        let marker = "trace-recorder-test-\(UUID().uuidString)"
        recorder.start()
        Activity.measure(.forward, marker, bytes: 12) {}
        var span = Activity.begin(.checkpointWrite, marker + "-shard", bytes: 100)
        span.compressedBytes = 40
        span.end()
        let trace = recorder.stop(rank: 3, processID: 99, host: "here")
        #expect(!recorder.isRecording)
        let mine = trace.events.filter { $0.name.hasPrefix(marker) }
        #expect(mine.map(\.kind) == [.forward, .checkpointWrite])
        #expect(mine[0].arguments["bytes"] == .integer(12))
        #expect(mine[1].arguments["compressed_bytes"] == .integer(40))
        #expect(trace.rank == 3 && trace.monotonicOrigin <= mine[0].start)
        // Not recording: nothing is kept.
        Activity.measure(.forward, marker + "-after") {}
        #expect(recorder.stop(rank: 0, processID: 0, host: "").events.allSatisfy { !$0.name.hasPrefix(marker) })
    }
}
