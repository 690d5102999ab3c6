import LetheTensor

/// What the watchdog's checker reads from the job once a second.
public struct WatchdogSnapshot: Sendable, Equatable {
    /// A count that moves with every MPI call returned, span ended and idle wait over.
    public var marks: Int
    /// The process's CPU time in nanoseconds (computing is progress).
    public var cpu: UInt64
    /// Inside `Watchdog.idle`.
    public var idle: Bool
    /// Monotonic nanoseconds when the MPI call in progress was entered; nil outside MPI.
    public var callEntered: UInt64?
    /// The optimizer step in progress.
    public var step: Int?
    /// The innermost span in progress.
    public var activity: String?
    /// The last stage of the job that ended.
    public var lastStage: String?
    public var lastCall: Watchdog.Collective?

    public init(marks: Int, cpu: UInt64, idle: Bool = false, callEntered: UInt64? = nil, step: Int? = nil,
                activity: String? = nil, lastStage: String? = nil, lastCall: Watchdog.Collective? = nil) {
        self.marks = marks
        self.cpu = cpu
        self.idle = idle
        self.callEntered = callEntered
        self.step = step
        self.activity = activity
        self.lastStage = lastStage
        self.lastCall = lastCall
    }
}

/// The watchdog's decision, apart from its thread and clock so that it can be tested with made-up times.
///
/// Inside an MPI call only the call's own waiting time counts (MPI polls, so CPU time says nothing there): a call
/// that has waited the limit is a stall. Outside MPI the rank progresses when a mark moved or the process used at
/// least `busyFraction` of the time on CPU since the last look; the limit without either is a stall. Idle time
/// never counts, and the time starts again after it.
public struct WatchdogMonitor: Sendable {
    /// The share of wall time on CPU that counts as computing (the checker itself uses far less).
    public static let busyFraction = 0.05

    public let limit: UInt64
    private var previous: (snapshot: WatchdogSnapshot, at: UInt64)?
    private var progressAt: UInt64 = 0

    public init(limitSeconds: Int) {
        precondition(limitSeconds > 0, "the watchdog's limit is at least one second")
        limit = UInt64(limitSeconds) * 1_000_000_000
    }

    /// Looks at `snapshot`, taken at monotonic time `now` (nanoseconds); a stall, or nil while the rank progresses.
    public mutating func observe(_ snapshot: WatchdogSnapshot, at now: UInt64) -> WatchdogStall? {
        defer { previous = (snapshot, now) }
        guard let previous, !snapshot.idle, !previous.snapshot.idle else {
            progressAt = now
            return nil
        }
        if let entered = snapshot.callEntered {
            progressAt = now
            let waited = now > entered ? now - entered : 0
            return waited >= limit ? WatchdogStall(seconds: seconds(waited), snapshot: snapshot, at: now) : nil
        }
        let elapsed = now > previous.at ? now - previous.at : 0
        let used = snapshot.cpu > previous.snapshot.cpu ? snapshot.cpu - previous.snapshot.cpu : 0
        if snapshot.marks != previous.snapshot.marks || Double(used) >= Self.busyFraction * Double(elapsed) {
            progressAt = now
        }
        let quiet = now > progressAt ? now - progressAt : 0
        return quiet >= limit ? WatchdogStall(seconds: seconds(quiet), snapshot: snapshot, at: now) : nil
    }

    private func seconds(_ nanoseconds: UInt64) -> Int { Int((nanoseconds + 500_000_000) / 1_000_000_000) }
}

/// A rank that stopped making progress, and the line that says so.
public struct WatchdogStall: Sendable, Equatable {
    /// How long nothing progressed (inside an MPI call: how long the call has waited).
    public var seconds: Int
    public var snapshot: WatchdogSnapshot
    /// When the stall was seen (monotonic nanoseconds).
    public var at: UInt64

    /// `lethe (rank 1 of 4): watchdog: no progress for 60 s at step 12 of fmn; last collective MPI_Allreduce
    /// (gradients, 3.2 MiB) entered 60 s ago, still waiting; aborting the job` (no rank for a single process).
    public func message(job: String, rank: Int, size: Int) -> String {
        var location = ""
        if let step = snapshot.step {
            location = " at step \(step)"
            if let activity = snapshot.activity, activity != "step \(step)" { location += " (\(activity))" }
        } else if let activity = snapshot.activity {
            location = " while \(activity)"
        } else if let stage = snapshot.lastStage {
            location = " after stage '\(stage)'"
        }
        var collective = "no collective yet"
        if let call = snapshot.lastCall {
            let details = [call.purpose, call.bytes > 0 ? ResourceBounds.formatBytes(call.bytes) : nil].compactMap { $0 }
            let ago = Int(((at > call.entered ? at - call.entered : 0) + 500_000_000) / 1_000_000_000)
            collective = "last collective \(call.operation)" + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")
                + " entered \(ago) s ago, " + (snapshot.callEntered != nil ? "still waiting" : "returned")
        }
        let who = size > 1 ? "lethe (rank \(rank) of \(size))" : "lethe"
        return "\(who): watchdog: no progress for \(seconds) s\(location) of \(job); \(collective); aborting the job"
    }
}
