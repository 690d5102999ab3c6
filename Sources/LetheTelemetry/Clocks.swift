import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The clocks telemetry reads, in nanoseconds. Durations come from the monotonic clock (never set back); the wall
/// clock only places each rank's monotonic origin in time, so ranks on different machines line up in a trace.
public enum TelemetryClock {
    /// Nanoseconds of CLOCK_MONOTONIC.
    @inline(__always)
    public static func monotonic() -> UInt64 { read(CLOCK_MONOTONIC) }

    /// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
    public static func wall() -> UInt64 { read(CLOCK_REALTIME) }

    /// CPU time of every thread of this process, user and system, in nanoseconds.
    public static func processCPU() -> UInt64 { read(CLOCK_PROCESS_CPUTIME_ID) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(max(0, time.tv_sec)) &* 1_000_000_000 &+ UInt64(max(0, time.tv_nsec))
    }
}

/// The calling thread as a trace's `tid`: the process id for the main thread (as the system numbers it), small
/// numbers in order of first use for the others (Glibc does not export gettid to Swift).
func currentThreadID() -> Int {
    if Thread.isMainThread { return Int(getpid()) }
    let key = UInt(pthread_self())
    return otherThreads.withLock { ids in
        if let id = ids[key] { return id }
        ids[key] = ids.count + 1
        return ids.count
    }
}

private let otherThreads = Mutex<[UInt: Int]>([:])
