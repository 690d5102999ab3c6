import COpenBLAS

extension DoubleMatrix {
    /// The eigenvalues of this symmetric matrix, ascending (LAPACK dsyev).
    public func symmetricEigenvalues() throws -> [Double] {
        try symmetricEigen(vectors: false).values
    }

    /// Eigenvalues (ascending) and orthonormal eigenvectors of this symmetric matrix: column j of `vectors`
    /// belongs to `values[j]`, so self = V·diag(values)·Vᵀ.
    public func symmetricEigendecomposition() throws -> (values: [Double], vectors: DoubleMatrix) {
        let result = try symmetricEigen(vectors: true)
        // LAPACK returns eigenvectors as column-major columns, which read row-major are rows.
        return (result.values, result.vectors.transposed())
    }

    /// The 2-norm condition number max|λ| / min|λ| of this symmetric matrix (infinity if it is singular).
    public func symmetricConditionNumber() throws -> Double {
        let magnitudes = try symmetricEigenvalues().map(abs)
        guard let largest = magnitudes.max(), let smallest = magnitudes.min() else { return 1 }
        return smallest == 0 ? .infinity : largest / smallest
    }

    private func symmetricEigen(vectors: Bool) throws -> (values: [Double], vectors: DoubleMatrix) {
        let operation = "Symmetric eigendecomposition"
        try requireSymmetric(operation)
        try requireFinite(operation)
        let n = rows
        var n32 = try Self.lapackInt(n, "matrix size", operation)
        var leading = try Self.lapackInt(Swift.max(1, n), "leading dimension", operation)
        var values = [Double](repeating: 0, count: n)
        var matrix = self
        guard n > 0 else { return (values, matrix) }
        var job = CChar(UInt8(ascii: vectors ? "V" : "N"))
        // Symmetric: the row-major buffer is the same matrix to LAPACK; "U" reads its (column-major) upper half.
        var uplo = CChar(UInt8(ascii: "U"))
        var info: Int32 = 0
        var workSize: Int32 = -1
        var optimalWork = 0.0
        // Workspace query, then the computation.
        matrix.withUnsafeMutableBufferPointer { a in
            BLASKernels.prepare()
            dsyev_(&job, &uplo, &n32, a.baseAddress, &leading, &values, &optimalWork, &workSize, &info, 1, 1)
        }
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "dsyev", argument: Int(-info)) }
        workSize = try Self.lapackInt(Swift.max(Int(optimalWork), 3 * n), "workspace size", operation)
        var work = [Double](repeating: 0, count: Int(workSize))
        matrix.withUnsafeMutableBufferPointer { a in
            BLASKernels.prepare()
            dsyev_(&job, &uplo, &n32, a.baseAddress, &leading, &values, &work, &workSize, &info, 1, 1)
        }
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "dsyev", argument: Int(-info)) }
        if info > 0 { throw LinearAlgebraError.eigenvaluesDidNotConverge(size: n, count: Int(info)) }
        return (values, matrix)
    }
}
