import Synchronization

/// Counts the floating-point operations of the matrix products (every GEMM, so every linear layer, convolution and
/// attention product): the operations PyTorch's FlopCounterMode counts, so benchmarks report comparable GFLOP/s.
public enum FLOPCounter {
    private static let total = Atomic<Int>(0)

    /// Adds the 2·m·n·k operations of an m×k by k×n product.
    @inline(__always)
    static func addMatrixProduct(m: Int, n: Int, k: Int) {
        total.add(2 &* m &* n &* k, ordering: .relaxed)
    }

    /// Operations counted since the process started or the last `reset`.
    public static var count: Int { total.load(ordering: .relaxed) }

    public static func reset() { total.store(0, ordering: .relaxed) }
}
