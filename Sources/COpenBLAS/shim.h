// OpenBLAS for Swift: CBLAS, OpenBLAS's own queries, and the few LAPACK routines Lethe calls. OpenBLAS exports
// LAPACK with the Fortran ABI (trailing underscore, every argument by pointer, column-major); the Debian -dev
// package ships no lapack.h for it, so the prototypes are declared here.
//
// Character arguments carry gfortran's hidden length arguments (size_t, appended after the others), as in
// reference LAPACK's lapack.h: omitting them is undefined for routines compiled from Fortran (dsyev_), whose
// stack-passed arguments the callee may reuse. Routines OpenBLAS implements in C ignore the extra arguments.
#ifndef LETHE_COPENBLAS_SHIM_H
#define LETHE_COPENBLAS_SHIM_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <openblas_config.h>
#include <malloc.h>

static inline const char *lethe_openblas_version(void) { return OPENBLAS_VERSION; }

// OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels from the CPU's family and model when it loads. A
// model it does not know (0.3.21 and Intel's Sapphire and Emerald Rapids, family 6 models 143 and 207) falls back
// to Prescott, the SSE3 kernels: sgemm at a fifth of the AVX-512 kernels' speed on the same cores. These two
// functions, exported only by such builds (weak here, so that other builds still link), let the kernels be chosen
// again from the instruction sets the CPU and the OS support.
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));

/// When OpenBLAS fell back to Prescott kernels on a CPU with AVX-512 (F, CD, BW, DQ, VL) or AVX2 and FMA, and the
/// user set no OPENBLAS_CORETYPE, re-selects SkylakeX or Haswell kernels and returns the name of the kernels it
/// chose; else changes nothing and returns NULL. Must run before any BLAS call (nothing may be in flight).
static inline const char *lethe_openblas_select_core(void) {
#if defined(__x86_64__)
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return NULL;
    if (getenv("OPENBLAS_CORETYPE") != NULL) return NULL;
    const char *detected = openblas_get_corename();
    if (detected == NULL || strcmp(detected, "Prescott") != 0) return NULL;
    __builtin_cpu_init();
    const char *core = NULL;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        core = "SkylakeX";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        core = "Haswell";
    }
    if (core == NULL) return NULL;
    setenv("OPENBLAS_CORETYPE", core, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
    return openblas_get_corename();
#else
    return NULL;
#endif
}

// OpenBLAS's idle threads spin (calling sched_yield) for 2^28 cycles after each threaded call before they sleep,
// about a tenth of a second. Lethe's own parallel loops (attention tiles, elementwise passes) run between BLAS calls
// on the same cores, so those spinning threads take half of a 2-core machine from them. OpenBLAS reads the spin
// limit, OPENBLAS_THREAD_TIMEOUT (log2 of cycles, 4 to 30), only when it starts its threads; these internal
// functions (weak: builds without a thread server still link) restart them with a shorter one.
void openblas_read_env(void) __attribute__((weak));
int blas_thread_init(void) __attribute__((weak));
int blas_thread_shutdown_(void) __attribute__((weak));
int openblas_thread_timeout(void) __attribute__((weak));

/// Unless the user set OPENBLAS_THREAD_TIMEOUT, restarts OpenBLAS's threads with a spin limit of 2^exponent
/// cycles and returns the limit in force (log2 cycles; 0 when this OpenBLAS has no thread server or keeps the
/// user's setting). Must run before any BLAS call (nothing may be in flight).
static inline int lethe_openblas_set_thread_timeout(int exponent) {
    if (!openblas_read_env || !blas_thread_init || !blas_thread_shutdown_ || !openblas_thread_timeout) return 0;
    if (getenv("OPENBLAS_THREAD_TIMEOUT") != NULL) return 0;
    char value[4];
    value[0] = (char)('0' + exponent / 10);
    value[1] = (char)('0' + exponent % 10);
    value[2] = 0;
    setenv("OPENBLAS_THREAD_TIMEOUT", value, 1);
    openblas_read_env();
    unsetenv("OPENBLAS_THREAD_TIMEOUT");
    blas_thread_shutdown_();
    blas_thread_init();
    return openblas_thread_timeout();
}

// glibc's mallopt (malloc.h, which Swift's Glibc module does not bring in), for LetheTensor's tensor storage: serve
// every block from the heap, never from a mmap of its own, and keep freed blocks there instead of returning them to
// the kernel (see TensorStorage). Returns whether glibc took all three settings.
static inline int lethe_keep_freed_memory(void) {
    return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_MMAP_MAX, 0) == 1
        && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
}

// Cholesky factorisation and solve of a symmetric positive-definite matrix.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info, size_t uplo_len);
// LU factorisation with partial pivoting and solve.
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info, size_t trans_len);
// Symmetric eigendecomposition (condition numbers, diagnostics).
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info, size_t jobz_len, size_t uplo_len);

#endif
