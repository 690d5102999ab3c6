import COpenBLAS

/// OpenBLAS's thread count. Its kernels are not bitwise reproducible across thread counts (the work split decides
/// which rows go through which micro-kernel), so code that must give the same bits on any number of MPI ranks
/// (whose CPU binding changes OpenBLAS's default) runs with a fixed count.
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with `threads` OpenBLAS threads, then restores the previous count.
    public static func with<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
