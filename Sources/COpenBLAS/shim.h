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
#include <cblas.h>
#include <openblas_config.h>

static inline const char *lethe_openblas_version(void) { return OPENBLAS_VERSION; }

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
