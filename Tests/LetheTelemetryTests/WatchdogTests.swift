import LetheTelemetry
import Testing

/// The watchdog's decision on made-up snapshots and times (seconds as monotonic nanoseconds): no thread, no sleep.
@Suite struct WatchdogTests {
    let second: UInt64 = 1_000_000_000

    /// One look of the monitor (a mutating call cannot sit inside #expect).
    func look(_ monitor: inout WatchdogMonitor, _ snapshot: WatchdogSnapshot, at now: UInt64) -> WatchdogStall? {
        monitor.observe(snapshot, at: now)
    }

    func gradients(enteredAt entered: UInt64) -> Watchdog.Collective {
        Watchdog.Collective(operation: "MPI_Allreduce", bytes: 3_355_443, purpose: "gradients", entered: entered)
    }

    @Test func aCollectiveThatWaitsTheLimitIsAStall() throws {
        var monitor = WatchdogMonitor(limitSeconds: 60)
        let base: UInt64 = 1_000 * second
        var snapshot = WatchdogSnapshot(marks: 5, cpu: 0, callEntered: base, step: 12, activity: "gradients",
                                        lastCall: gradients(enteredAt: base))
        // MPI polls: CPU time grows while it waits, and that is not progress.
        for tick in 0..<60 {
            snapshot.cpu = UInt64(tick) * second
            #expect(look(&monitor, snapshot, at: base + UInt64(tick) * second) == nil)
        }
        snapshot.cpu = 60 * second
        let observed = monitor.observe(snapshot, at: base + 60 * second)
        let stall = try #require(observed)
        #expect(stall.seconds == 60)
        #expect(stall.message(job: "fmn", rank: 1, size: 4)
            == "lethe (rank 1 of 4): watchdog: no progress for 60 s at step 12 (gradients) of fmn; last collective MPI_Allreduce (gradients, 3.2 MiB) entered 60 s ago, still waiting; aborting the job")
    }

    @Test func callsThatReturnKeepTheRankAlive() {
        var monitor = WatchdogMonitor(limitSeconds: 5)
        for tick in 0..<100 {
            let now = UInt64(tick) * second
            // A new call every second, each entered just now.
            let snapshot = WatchdogSnapshot(marks: tick, cpu: 0, callEntered: now, lastCall: gradients(enteredAt: now))
            #expect(look(&monitor, snapshot, at: now) == nil)
        }
    }

    @Test func nothingDoneOutsideMPIIsAStallAfterTheLimit() throws {
        var monitor = WatchdogMonitor(limitSeconds: 5)
        let returned = gradients(enteredAt: 2 * second)
        let quiet = WatchdogSnapshot(marks: 7, cpu: 3 * second, step: 2, lastCall: returned)
        for tick in 3...7 { #expect(look(&monitor, quiet, at: UInt64(tick) * second) == nil) }
        let observed = monitor.observe(quiet, at: 8 * second)
        let stall = try #require(observed)
        #expect(stall.seconds == 5)
        let message = stall.message(job: "fmn", rank: 1, size: 2)
        #expect(message.contains("no progress for 5 s at step 2 of fmn"))
        #expect(message.contains("last collective MPI_Allreduce (gradients, 3.2 MiB) entered 6 s ago, returned"))
    }

    @Test func computingOrMarksAreProgress() {
        var monitor = WatchdogMonitor(limitSeconds: 5)
        var snapshot = WatchdogSnapshot(marks: 0, cpu: 0)
        for tick in 0..<30 {
            // Half a core of CPU time, and no mark: a long forward pass.
            snapshot.cpu = UInt64(tick) * second / 2
            #expect(look(&monitor, snapshot, at: UInt64(tick) * second) == nil)
        }
        var marks = WatchdogMonitor(limitSeconds: 5)
        for tick in 0..<30 {
            // No CPU to speak of (1 %), but spans end: writing files.
            let snapshot = WatchdogSnapshot(marks: tick, cpu: UInt64(tick) * second / 100)
            #expect(look(&marks, snapshot, at: UInt64(tick) * second) == nil)
        }
        // 1 % of CPU and no mark is not progress.
        var idleCPU = WatchdogMonitor(limitSeconds: 5)
        var stalled = false
        for tick in 0..<10 {
            let snapshot = WatchdogSnapshot(marks: 0, cpu: UInt64(tick) * second / 100)
            stalled = stalled || idleCPU.observe(snapshot, at: UInt64(tick) * second) != nil
        }
        #expect(stalled)
    }

    @Test func idleWaitsAreExemptAndTheTimeStartsAgainAfter() throws {
        var monitor = WatchdogMonitor(limitSeconds: 5)
        // Ranks waiting an hour for rank 0 to write, inside Watchdog.idle: in a call, no CPU, no mark.
        let waiting = WatchdogSnapshot(marks: 1, cpu: 0, idle: true, callEntered: 0, activity: "writing the output")
        for tick in 0...3_600 { #expect(look(&monitor, waiting, at: UInt64(tick) * second) == nil) }
        // After the wait: quiet again, the limit counts from here.
        let after = WatchdogSnapshot(marks: 2, cpu: 0, lastStage: "write")
        for tick in 3_601...3_605 { #expect(look(&monitor, after, at: UInt64(tick) * second) == nil) }
        let observed = monitor.observe(after, at: 3_606 * second)
        let stall = try #require(observed)
        #expect(stall.message(job: "uce", rank: 0, size: 1)
            == "lethe: watchdog: no progress for 5 s after stage 'write' of uce; no collective yet; aborting the job")
    }

    @Test func idleNestsAndCountsAsProgressWhenOver() {
        let watchdog = Watchdog()
        let before = watchdog.snapshot()
        #expect(!before.idle)
        Watchdog.idle {}
        watchdog.idle {
            #expect(watchdog.snapshot().idle)
            watchdog.idle { #expect(watchdog.snapshot().idle) }
            #expect(watchdog.snapshot().idle)
        }
        let after = watchdog.snapshot()
        #expect(!after.idle && after.marks > before.marks)
        watchdog.enterCall("MPI_Bcast", bytes: 8)
        #expect(watchdog.snapshot().callEntered != nil)
        #expect(watchdog.snapshot().lastCall?.operation == "MPI_Bcast")
        watchdog.leaveCall()
        #expect(watchdog.snapshot().callEntered == nil)
    }
}
