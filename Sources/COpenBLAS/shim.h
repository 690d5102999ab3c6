// OpenBLAS for Swift: CBLAS, OpenBLAS's own queries, and the few LAPACK routines Lethe calls. OpenBLAS exports
// LAPACK with the Fortran ABI (trailing underscore, every argument by pointer, column-major); the Debian -dev
// package ships no lapack.h for it, so the prototypes are declared here.
#ifndef LETHE_COPENBLAS_SHIM_H
#define LETHE_COPENBLAS_SHIM_H
#include <cblas.h>
#include <openblas_config.h>

static inline const char *lethe_openblas_version(void) { return OPENBLAS_VERSION; }

// Cholesky factorisation and solve of a symmetric positive-definite matrix.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);
// LU factorisation with partial pivoting and solve.
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info);
// Symmetric eigendecomposition (condition numbers, diagnostics).
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info);

#endif
