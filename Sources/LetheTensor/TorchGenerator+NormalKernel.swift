extension TorchGenerator {
    /// The two builds of torch's `normal_fill` (aten/src/ATen/native/cpu/DistributionTemplates.h), which torch uses
    /// for float32 draws of 16 or more normals. They round differently, so a port must pick the one the reference
    /// torch ran; draws of fewer than 16 normals, `rand` and `randint` do not depend on it.
    public enum NormalKernel: Sendable, Hashable, CaseIterable {
        /// The AVX2 kernel: Cephes-style `log256_ps` / `sincos256_ps` polynomials from `avx_mathfun.h`, with the
        /// multiply–add contractions GCC makes in the official x86-64 Linux wheels (checked against the machine code
        /// of torch 2.15's `libtorch_cpu.so`). Pure float arithmetic, so reproduced bit for bit on any machine.
        /// torch runs it on every x86-64 CPU with AVX2 and FMA, AVX-512 ones included (`normal_stub` has no AVX-512
        /// kernel and falls back to AVX2).
        case avx2
        /// The portable kernel: `logf`, `sinf`/`cosf` (`sincosf` in torch) and `fmaf` from the C library. torch runs
        /// it on aarch64, on x86-64 CPUs without AVX2/FMA, and under `ATEN_CPU_CAPABILITY=default`. Bit for bit
        /// when both sides use the same libm (glibc here); otherwise each value is within a few ulps, the sum of
        /// the libraries' `logf`, `sinf`/`cosf` errors (glibc's are below 1 ulp each).
        case scalar

        /// What torch picks on this architecture when its CPU has AVX2 and FMA: `.avx2` on x86-64, else `.scalar`.
        public static var platformDefault: NormalKernel {
            #if arch(x86_64)
            return .avx2
            #else
            return .scalar
            #endif
        }
    }
}
