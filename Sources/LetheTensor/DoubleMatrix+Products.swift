import COpenBLAS

extension DoubleMatrix {
    /// `self · other` (cblas_dgemm).
    public func multiplied(by other: DoubleMatrix) throws -> DoubleMatrix {
        var result = DoubleMatrix(rows: rows, columns: other.columns)
        try result.addProduct(self, other)
        return result
    }

    /// `self += scale · op(left) · op(right)`, where op transposes when asked (cblas_dgemm, no copies).
    ///
    /// With samples in rows, the UCE cross term Σ v kᵀ is `addProduct(values, keys, transposingLeft: true)`.
    public mutating func addProduct(
        _ left: DoubleMatrix, _ right: DoubleMatrix,
        transposingLeft: Bool = false, transposingRight: Bool = false, scale: Double = 1
    ) throws {
        let operation = "Matrix product"
        let (m, inner) = transposingLeft ? (left.columns, left.rows) : (left.rows, left.columns)
        let (rightInner, n) = transposingRight ? (right.columns, right.rows) : (right.rows, right.columns)
        guard inner == rightInner else {
            throw LinearAlgebraError.dimensionMismatch(
                operation: operation, leftRows: m, leftColumns: inner, rightRows: rightInner, rightColumns: n)
        }
        guard rows == m, columns == n else {
            throw LinearAlgebraError.dimensionMismatch(
                operation: "\(operation) accumulation", leftRows: rows, leftColumns: columns,
                rightRows: m, rightColumns: n)
        }
        let m32 = try Self.lapackInt(m, "rows of the product", operation)
        let n32 = try Self.lapackInt(n, "columns of the product", operation)
        let k32 = try Self.lapackInt(inner, "inner dimension", operation)
        let leftStride = try Self.lapackInt(Swift.max(1, left.columns), "left leading dimension", operation)
        let rightStride = try Self.lapackInt(Swift.max(1, right.columns), "right leading dimension", operation)
        let resultStride = try Self.lapackInt(Swift.max(1, columns), "result leading dimension", operation)
        guard m > 0, n > 0, inner > 0 else { return }
        left.withUnsafeBufferPointer { a in
            right.withUnsafeBufferPointer { b in
                withUnsafeMutableBufferPointer { c in
                    BLASKernels.prepare()
                    cblas_dgemm(
                        CblasRowMajor, transposingLeft ? CblasTrans : CblasNoTrans,
                        transposingRight ? CblasTrans : CblasNoTrans, m32, n32, k32, scale,
                        a.baseAddress, leftStride, b.baseAddress, rightStride, 1, c.baseAddress, resultStride)
                }
            }
        }
    }

    /// `self += scale · Kᵀ K` for `samples` with one sample per row (cblas_dsyrk: half the work of a product).
    ///
    /// `self` must be symmetric (the zero matrix to start an accumulation); the result is exactly symmetric, so
    /// Cholesky and eigenvalue routines accept it as is.
    public mutating func addGram(of samples: DoubleMatrix, scale: Double = 1) throws {
        let operation = "Gram accumulation"
        try requireSquare(operation)
        guard samples.columns == columns else {
            throw LinearAlgebraError.dimensionMismatch(
                operation: operation, leftRows: rows, leftColumns: columns,
                rightRows: samples.rows, rightColumns: samples.columns)
        }
        let n = columns
        let n32 = try Self.lapackInt(n, "matrix size", operation)
        let k32 = try Self.lapackInt(samples.rows, "sample count", operation)
        let stride = try Self.lapackInt(Swift.max(1, n), "leading dimension", operation)
        guard n > 0, samples.rows > 0 else { return }
        samples.withUnsafeBufferPointer { a in
            withUnsafeMutableBufferPointer { c in
                // Row-major upper triangle of C += scale · AᵀA, then mirrored into the lower triangle.
                BLASKernels.prepare()
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n32, k32, scale, a.baseAddress, stride,
                            1, c.baseAddress, stride)
                for row in 0..<n {
                    for column in (row + 1)..<n { c[column * n + row] = c[row * n + column] }
                }
            }
        }
    }
}
