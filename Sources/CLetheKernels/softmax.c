#include "lethe_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

// Only the polynomial's explicit _mm256_fmadd_ps fuse: the compiler may not contract x·scale − shift (or any other
// product and sum), which would change the rounding of the exponent against the portable path.
#pragma STDC FP_CONTRACT OFF

int lethe_kernels_have_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// 2^t for eight t ≤ 0 (the same split and coefficients as Tensor.exponential2): n = round(t) by adding 1.5·2²³,
// f = t − n in [−½, ½], p(f) by Horner's rule, then 2ⁿ built in the exponent bits; t below −126 gives 0.
__attribute__((target("avx2,fma"))) static inline __m256 exponential2(__m256 t) {
    const __m256 lower = _mm256_set1_ps(-126.0f);
    const __m256 below = _mm256_cmp_ps(t, lower, _CMP_LT_OQ);
    const __m256 clamped = _mm256_max_ps(lower, t);  // NaN stays NaN (maxps returns its second operand)
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    const __m256 rounded = _mm256_add_ps(clamped, magic);
    const __m256 f = _mm256_sub_ps(clamped, _mm256_sub_ps(rounded, magic));
    __m256 p = _mm256_set1_ps(1.5370715e-4f);
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.3399858e-3f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(9.6183736e-3f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.5503290e-2f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.4022648e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(6.9314718e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
    const __m256i exponent = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(rounded), _mm256_set1_epi32(0x4B400000)),
                         _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(below, _mm256_mul_ps(p, _mm256_castsi256_ps(exponent)));
}

__attribute__((target("avx2,fma"))) static float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) static float horizontal_max(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) void lethe_softmax_rows_avx2(float *values, size_t rows, size_t width,
                                                                  float scale) {
    const float sign = scale < 0 ? -1.0f : 1.0f;
    const __m256 sign_lanes = _mm256_set1_ps(sign), scale_lanes = _mm256_set1_ps(scale);
    const __m256 log2e = _mm256_set1_ps(1.44269504f);
    const size_t whole = width & ~(size_t)7;
    for (size_t row = 0; row < rows; row++) {
        float *x = values + row * width;
        // The largest scaled value, from the largest (scale ≥ 0) or smallest (scale < 0) x.
        __m256 lanes = _mm256_set1_ps(-INFINITY);
        for (size_t i = 0; i < whole; i += 8) lanes = _mm256_max_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), sign_lanes), lanes);
        float largest = horizontal_max(lanes);
        for (size_t i = whole; i < width; i++) largest = fmaxf(largest, sign * x[i]);
        const float shift = largest * sign * scale;
        const __m256 shift_lanes = _mm256_set1_ps(shift);
        // exp(scale·x − shift), y formed first (as torch does) so scores near the maximum keep their difference.
        __m256 sums = _mm256_setzero_ps();
        for (size_t i = 0; i < whole; i += 8) {
            const __m256 y = _mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), scale_lanes), shift_lanes);
            const __m256 e = exponential2(_mm256_mul_ps(y, log2e));
            _mm256_storeu_ps(x + i, e);
            sums = _mm256_add_ps(sums, e);
        }
        float total = horizontal_sum(sums);
        if (whole < width) {
            float tail[8];
            for (size_t lane = 0; lane < 8; lane++)
                tail[lane] = whole + lane < width ? (x[whole + lane] * scale - shift) * 1.44269504f : -INFINITY;
            float e[8];
            _mm256_storeu_ps(e, exponential2(_mm256_loadu_ps(tail)));
            for (size_t i = whole; i < width; i++) {
                x[i] = e[i - whole];
                total += e[i - whole];
            }
        }
        const __m256 inverse = _mm256_set1_ps(1.0f / total);
        for (size_t i = 0; i < whole; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inverse));
        const float scalar_inverse = 1.0f / total;
        for (size_t i = whole; i < width; i++) x[i] *= scalar_inverse;
    }
}

#else

int lethe_kernels_have_avx2(void) { return 0; }

void lethe_softmax_rows_avx2(float *values, size_t rows, size_t width, float scale) {
    (void)values, (void)rows, (void)width, (void)scale;
}

#endif
