import Synchronization

/// A value of a trace event's `args`.
public enum TraceArgument: Codable, Sendable, Equatable {
    case integer(Int)
    case number(Double)
    case text(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}

/// One finished span of one rank, on that rank's monotonic clock.
public struct TraceEvent: Codable, Sendable, Equatable {
    public var name: String
    public var kind: ActivityKind
    /// Monotonic nanoseconds at the start, and the duration in nanoseconds.
    public var start: UInt64
    public var duration: UInt64
    public var thread: Int
    public var arguments: [String: TraceArgument]

    public init(name: String, kind: ActivityKind, start: UInt64, duration: UInt64, thread: Int,
                arguments: [String: TraceArgument] = [:]) {
        self.name = name
        self.kind = kind
        self.start = start
        self.duration = duration
        self.thread = thread
        self.arguments = arguments
    }
}

/// Everything one rank recorded, with the clock readings that place it beside the other ranks.
public struct RankTrace: Codable, Sendable, Equatable {
    public var rank: Int
    /// The operating system's process id (the main thread's `tid`).
    public var processID: Int
    public var host: String
    /// The monotonic and the wall clock read together when recording started.
    public var monotonicOrigin: UInt64
    public var wallOrigin: UInt64
    public var events: [TraceEvent]
    /// Events not kept past `TraceRecorder.maximumEvents`.
    public var dropped: Int

    public init(rank: Int, processID: Int, host: String, monotonicOrigin: UInt64, wallOrigin: UInt64,
                events: [TraceEvent], dropped: Int = 0) {
        self.rank = rank
        self.processID = processID
        self.host = host
        self.monotonicOrigin = monotonicOrigin
        self.wallOrigin = wallOrigin
        self.events = events
        self.dropped = dropped
    }
}

/// The spans of this process while a trace is being recorded (`--trace`); nothing is kept otherwise.
public final class TraceRecorder: Sendable {
    public static let shared = TraceRecorder()

    /// At most this many events are kept per process (about 150 MB of trace); later ones are counted as dropped.
    public static let maximumEvents = 1_000_000

    private struct State {
        var monotonicOrigin: UInt64 = 0
        var wallOrigin: UInt64 = 0
        var events: [TraceEvent] = []
        var dropped = 0
    }

    private let recording = Atomic<Bool>(false)
    private let state = Mutex(State())

    public init() {}

    public var isRecording: Bool { recording.load(ordering: .relaxed) }

    /// Starts recording afresh (earlier events are dropped); the clocks' readings now are the trace's origin.
    public func start() {
        state.withLock { state in
            state = State(monotonicOrigin: TelemetryClock.monotonic(), wallOrigin: TelemetryClock.wall())
        }
        recording.store(true, ordering: .relaxed)
    }

    /// Stops recording and returns what was recorded.
    public func stop(rank: Int, processID: Int, host: String) -> RankTrace {
        recording.store(false, ordering: .relaxed)
        return state.withLock { state in
            defer { state.events = [] }
            return RankTrace(rank: rank, processID: processID, host: host, monotonicOrigin: state.monotonicOrigin,
                             wallOrigin: state.wallOrigin, events: state.events, dropped: state.dropped)
        }
    }

    func record(_ span: ActivitySpan, end: UInt64) {
        guard isRecording else { return }
        record(kind: span.kind, name: span.name, start: span.start, end: end, thread: span.thread, bytes: span.bytes,
               compressedBytes: span.compressedBytes)
    }

    func record(kind: ActivityKind, name: String, start: UInt64, end: UInt64, thread: Int, bytes: Int,
                compressedBytes: Int) {
        guard isRecording else { return }
        var arguments: [String: TraceArgument] = [:]
        if bytes > 0 { arguments["bytes"] = .integer(bytes) }
        if compressedBytes > 0 { arguments["compressed_bytes"] = .integer(compressedBytes) }
        let event = TraceEvent(name: name, kind: kind, start: start, duration: end &- start, thread: thread,
                               arguments: arguments)
        state.withLock { state in
            if state.events.count < Self.maximumEvents { state.events.append(event) } else { state.dropped += 1 }
        }
    }
}
