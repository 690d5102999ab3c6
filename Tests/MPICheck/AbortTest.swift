import LetheDistributed

#if canImport(Glibc)
import Glibc
#endif

/// `--abort-test`: rank 1 aborts while every other rank waits in a barrier that rank 1 never enters.
/// The job must end with a non-zero status instead of hanging; Scripts/mpi-check.sh checks that.
enum AbortTest {
    static let code: Int32 = 3

    static func run(_ world: Communicator) -> Never {
        guard world.size >= 2 else {
            print("abort-test needs at least 2 ranks, got \(world.size)")
            exit(1)
        }
        if world.rank == 1 {
            // Let the others reach the barrier first.
            usleep(300_000)
            print("abort-test: rank 1 aborts with code \(code)")
            world.abort(code: code)
        }
        do {
            try world.barrier()
            print("abort-test: rank \(world.rank) passed a barrier that rank 1 never entered")
        } catch {
            print("abort-test: rank \(world.rank) barrier failed: \(error)")
        }
        // Reaching here is wrong (the abort should have ended this process); exit 0 so the script notices only if
        // the launcher also reports success.
        exit(0)
    }
}
