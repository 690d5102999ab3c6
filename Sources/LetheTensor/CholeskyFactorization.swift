import COpenBLAS

/// A = L·Lᵀ for a symmetric positive-definite A (LAPACK dpotrf/dpotrs), reused across solves.
///
/// Layout: a symmetric matrix reads the same in row- and column-major order, and LAPACK's column-major upper
/// factor U (A = UᵀU) is, read row-major, the lower factor L = Uᵀ. So the row-major buffer is passed to LAPACK
/// untouched with uplo = "U".
public struct CholeskyFactorization: Sendable, ColumnMajorSolver {
    /// The order n of the factorised n×n matrix.
    public let size: Int
    /// Row-major; the lower triangle holds L, the strict upper triangle holds leftovers of A.
    let factor: [Double]

    /// Factorises `matrix`, which must be square, finite, symmetric (to 1e-10 relative) and positive definite.
    public init(_ matrix: DoubleMatrix) throws {
        let operation = "Cholesky factorisation"
        try matrix.requireSymmetric(operation)
        try matrix.requireFinite(operation)
        let n = matrix.rows
        var n32 = try DoubleMatrix.lapackInt(n, "matrix size", operation)
        var leading = try DoubleMatrix.lapackInt(Swift.max(1, n), "leading dimension", operation)
        var factor = matrix.elements
        size = n
        if n > 0 {
            var uplo = CChar(UInt8(ascii: "U"))
            var info: Int32 = 0
            factor.withUnsafeMutableBufferPointer { a in
                BLASKernels.prepare()
                dpotrf_(&uplo, &n32, a.baseAddress, &leading, &info, 1)
            }
            if info > 0 {
                throw LinearAlgebraError.notPositiveDefinite(operation: operation, size: n, order: Int(info))
            }
            if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "dpotrf", argument: Int(-info)) }
        }
        self.factor = factor
    }

    /// L, with zeros above the diagonal.
    public var lower: DoubleMatrix {
        var result = DoubleMatrix(rows: size, columns: size)
        result.withUnsafeMutableBufferPointer { destination in
            for row in 0..<size {
                for column in 0...row { destination[row * size + column] = factor[row * size + column] }
            }
        }
        return result
    }

    /// X with A·X = B.
    public func solve(_ rightHandSide: DoubleMatrix) throws -> DoubleMatrix {
        try solveLeft(rightHandSide)
    }

    /// X with X·A = B, without forming A⁻¹: the UCE edit W' = C·G⁻¹ is `G.choleskyFactorization().solveRight(C)`.
    public func solveRight(_ rightHandSide: DoubleMatrix) throws -> DoubleMatrix {
        try solveRightSide(rightHandSide)
    }

    var methodName: String { "Cholesky" }

    /// Solves A·Y = C where `buffer`'s elements, read column-major, are the size×count matrix C (A is symmetric,
    /// so the left and right solves are the same call).
    func solveColumnMajor(_ buffer: DoubleMatrix, count: Int, leftSolve: Bool, operation: String) throws -> DoubleMatrix {
        try buffer.requireFinite(operation)
        var n32 = try DoubleMatrix.lapackInt(size, "matrix size", operation)
        var count32 = try DoubleMatrix.lapackInt(count, "right-hand side count", operation)
        var leading = try DoubleMatrix.lapackInt(Swift.max(1, size), "leading dimension", operation)
        var result = buffer
        guard size > 0, count > 0 else { return result }
        var uplo = CChar(UInt8(ascii: "U"))
        var info: Int32 = 0
        factor.withUnsafeBufferPointer { a in
            result.withUnsafeMutableBufferPointer { b in
                BLASKernels.prepare()
                dpotrs_(&uplo, &n32, &count32, a.baseAddress, &leading, b.baseAddress, &leading, &info, 1)
            }
        }
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "dpotrs", argument: Int(-info)) }
        return result
    }
}
