import Foundation

/// The Trace Event Format that chrome://tracing and Perfetto open: `{"traceEvents": [...]}` with a complete event
/// (`"ph": "X"`, start `ts` and `dur` in microseconds) per span, `pid` the rank, `tid` the thread, `cat` the kind
/// and `args` its bytes; metadata events name each rank ("rank 1 (host, pid 4242)") and order them by rank.
///
/// Ranks are placed on one time line through the wall clock read with each rank's monotonic origin (NTP keeps a
/// cluster's wall clocks within milliseconds); within a rank, times are monotonic. Time 0 is the earliest event.
public enum ChromeTrace {
    /// The document for `ranks`, one event per line after `{"traceEvents":[` (the first bytes, which is how an
    /// output check recognises a trace Lethe wrote); `metadata` goes to `otherData`.
    public static func document(_ ranks: [RankTrace], metadata: [String: String] = [:]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Aligned time of a rank's monotonic reading, in nanoseconds since the epoch.
        func aligned(_ rank: RankTrace, _ monotonic: UInt64) -> Int64 {
            Int64(bitPattern: rank.wallOrigin) &+ (Int64(bitPattern: monotonic) &- Int64(bitPattern: rank.monotonicOrigin))
        }
        let starts = ranks.flatMap { rank in rank.events.map { aligned(rank, $0.start) } }
        let origin = starts.min() ?? 0
        var lines: [Data] = []
        for rank in ranks.sorted(by: { $0.rank < $1.rank }) {
            lines.append(try encoder.encode(Event(
                name: "process_name", ph: "M", pid: rank.rank,
                args: ["name": .text("rank \(rank.rank) (\(rank.host), pid \(rank.processID))")])))
            lines.append(try encoder.encode(Event(name: "process_sort_index", ph: "M", pid: rank.rank,
                                                  args: ["sort_index": .integer(rank.rank)])))
            for thread in Set(rank.events.map(\.thread)).sorted() {
                let name = thread == rank.processID ? "main" : "thread \(thread)"
                lines.append(try encoder.encode(Event(name: "thread_name", ph: "M", pid: rank.rank, tid: thread,
                                                      args: ["name": .text(name)])))
            }
            if rank.dropped > 0 {
                lines.append(try encoder.encode(Event(name: "dropped_events", ph: "M", pid: rank.rank,
                                                      args: ["count": .integer(rank.dropped)])))
            }
            for event in rank.events {
                lines.append(try encoder.encode(Event(
                    name: event.name, cat: event.kind.rawValue, ph: "X",
                    ts: microseconds(aligned(rank, event.start) - origin), dur: microseconds(Int64(event.duration)),
                    pid: rank.rank, tid: event.thread, args: event.arguments.isEmpty ? nil : event.arguments)))
            }
        }
        var bytes = Array(#"{"traceEvents":["#.utf8)
        for (index, line) in lines.enumerated() {
            bytes += index == 0 ? [0x0A] : Array(",\n".utf8)
            bytes += line
        }
        bytes += Array("\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":".utf8)
        bytes += try encoder.encode(metadata)
        bytes += Array("}\n".utf8)
        return bytes
    }

    /// Whether `prefix` (a file's first bytes) starts a document `document` wrote.
    public static func isTrace(prefix: some Sequence<UInt8>) -> Bool {
        Array(prefix.prefix(signature.count)) == signature
    }

    static let signature = Array(#"{"traceEvents":["#.utf8)

    /// Microseconds with nanosecond digits (three decimals), as the format allows.
    private static func microseconds(_ nanoseconds: Int64) -> Double {
        Double(nanoseconds) / 1000
    }

    private struct Event: Encodable {
        var name: String
        var cat: String?
        var ph: String
        var ts: Double?
        var dur: Double?
        var pid: Int
        var tid: Int?
        var args: [String: TraceArgument]?
    }
}
