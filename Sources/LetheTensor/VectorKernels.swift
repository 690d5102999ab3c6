import CLetheKernels

/// Which elementwise kernels run: the AVX2/FMA ones of CLetheKernels where the CPU has them, or Lethe's portable
/// eight-lane Swift loops (the path on CPUs without them and on aarch64). The two differ by the rounding of fused
/// multiply–adds only. Tests compare them with `VectorKernels.$portable.withValue(true) { ... }`, which applies to the
/// calling task only.
public enum VectorKernels {
    @TaskLocal public static var portable = false

    /// Whether this CPU runs the AVX2 kernels (asked once).
    public static let avx2Available = lethe_kernels_have_avx2() == 1

    static var useAVX2: Bool { avx2Available && !portable }
}
