import COpenBLAS
import Dispatch

/// OpenBLAS's thread count. Its kernels are not bitwise reproducible across thread counts (the work split decides
/// which rows go through which micro-kernel), so code that must give the same bits on any number of MPI ranks
/// (whose CPU binding changes OpenBLAS's default) runs with a fixed count.
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with `threads` OpenBLAS threads, then restores the previous count.
    public static func with<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        BLASKernels.prepare()
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(previous) }
        return try body()
    }

    /// Runs `body(worker, task)` for every task in 0..<count on as many threads as OpenBLAS has (each worker a
    /// contiguous run of tasks), with OpenBLAS single-threaded meanwhile, so that each worker's products run on its
    /// own core. For many small independent products (attention's per-head tiles), where handing each one to
    /// OpenBLAS's threads costs more than it saves. A task's result does not depend on which worker ran it.
    public static func parallel(tasks count: Int, _ body: @Sendable (_ worker: Int, _ task: Int) -> Void) {
        let workers = Swift.max(1, Swift.min(self.count, count))
        guard workers > 1 else {
            with(1) { for task in 0..<count { body(0, task) } }
            return
        }
        with(1) {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for task in (count * worker / workers)..<(count * (worker + 1) / workers) { body(worker, task) }
            }
        }
    }

    /// Runs `body` on the consecutive ranges of at most `block` values that cover 0..<count, shared out as
    /// `parallel(tasks:)` does: for elementwise passes over buffers too big for one core's memory bandwidth. The
    /// ranges are the same whatever the thread count, so per-range partial results combine the same way.
    public static func parallel(count: Int, block: Int, _ body: @Sendable (_ task: Int, _ range: Range<Int>) -> Void) {
        precondition(block > 0, "BLASThreads.parallel needs a block of at least one value, not \(block)")
        parallel(tasks: (count + block - 1) / block) { _, task in
            body(task, (task * block)..<Swift.min(count, (task + 1) * block))
        }
    }
}

/// The OpenBLAS kernels Lethe runs and how its threads wait. Every BLAS and LAPACK call goes through
/// `BLASKernels.prepare()` first, so that OpenBLAS's fallback to its SSE3 (Prescott) kernels on CPUs it does not
/// recognise is corrected before the first call: `lethe_openblas_select_core` picks the kernels from the
/// instruction sets instead (SkylakeX for AVX-512), and its idle threads are restarted with a short spin limit.
/// OPENBLAS_CORETYPE and OPENBLAS_THREAD_TIMEOUT, when set, are left to OpenBLAS. Every rank on one kind of CPU
/// picks the same kernels, so results stay bitwise identical across rank counts.
public enum BLASKernels {
    /// Where OpenBLAS's own choice was replaced: (what it detected, what runs instead); nil when it was kept.
    public static var reselection: (detected: String, selected: String)? { setup.reselection }

    /// How long (log2 of cycles) OpenBLAS's idle threads spin before they sleep, when Lethe set it: nil when the
    /// user's OPENBLAS_THREAD_TIMEOUT or OpenBLAS's build decides. See `lethe_openblas_set_thread_timeout`.
    public static var threadTimeout: Int? { setup.threadTimeout }

    /// 2^10 cycles (well under a microsecond) instead of OpenBLAS's 2^28 (about a tenth of a second): long enough
    /// for back-to-back products, short enough that Lethe's own loops between them get both cores.
    static let threadTimeoutExponent: Int32 = 10

    private static let setup: (reselection: (detected: String, selected: String)?, threadTimeout: Int?) = {
        let detected = String(cString: openblas_get_corename())
        let reselection = lethe_openblas_select_core().map { (detected, String(cString: $0)) }
        let timeout = Int(lethe_openblas_set_thread_timeout(threadTimeoutExponent))
        return (reselection, timeout > 0 ? timeout : nil)
    }()

    /// The kernels' name as OpenBLAS reports it ("SkylakeX", "Haswell", ...).
    public static var name: String {
        prepare()
        return String(cString: openblas_get_corename())
    }

    @inline(__always) public static func prepare() { _ = setup }
}
