// Hand-vectorised kernels for the few elementwise loops that take a noticeable share of a UNet step, compiled for
// AVX2 with FMA and chosen at run time. Swift code is built for the baseline x86-64 (SSE2, no fused multiply-add)
// so that one binary runs on every node of a cluster; these functions carry their own target attribute instead,
// and Swift calls them only where `lethe_kernels_have_avx2()` says the CPU and the OS support them (its own
// eight-lane loops stay the path everywhere else, aarch64 included).
#ifndef LETHE_KERNELS_H
#define LETHE_KERNELS_H

#include <stddef.h>

/// 1 when this build has the AVX2 kernels and the CPU runs AVX2 and FMA, else 0.
int lethe_kernels_have_avx2(void);

/// softmax(scale · row) in place for `rows` contiguous rows of `width` floats: the row's largest scaled value is
/// subtracted first, exp is 2^(y·log2 e) with Tensor.exponential2's degree-6 polynomial (fused multiply–adds), and
/// every value is multiplied by 1/sum. Call only when lethe_kernels_have_avx2() returned 1.
void lethe_softmax_rows_avx2(float *values, size_t rows, size_t width, float scale);

#endif
