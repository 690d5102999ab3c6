import COpenBLAS

/// P·A = L·U with partial pivoting (LAPACK dgetrf/dgetrs), reused across solves.
///
/// Layout: the row-major buffer of A is, to LAPACK, the column-major Aᵀ, so this factorises Aᵀ. Solving
/// A·X = B is then LAPACK's transposed solve ("T") on column-major B, and solving X·A = B (that is
/// Aᵀ·Xᵀ = Bᵀ) is its plain solve ("N") on row-major B as it stands.
public struct LUFactorization: Sendable, ColumnMajorSolver {
    /// The order n of the factorised n×n matrix.
    public let size: Int
    /// LAPACK's packed L and U factors of Aᵀ (column-major).
    let factors: [Double]
    /// LAPACK's 1-based row interchanges.
    let pivots: [Int32]

    /// Factorises `matrix`, which must be square, finite and nonsingular (no exactly zero pivot).
    public init(_ matrix: DoubleMatrix) throws {
        let operation = "LU factorisation"
        try matrix.requireSquare(operation)
        try matrix.requireFinite(operation)
        let n = matrix.rows
        var n32 = try DoubleMatrix.lapackInt(n, "matrix size", operation)
        var leading = try DoubleMatrix.lapackInt(Swift.max(1, n), "leading dimension", operation)
        var factors = matrix.elements
        var pivots = [Int32](repeating: 0, count: n)
        size = n
        if n > 0 {
            var info: Int32 = 0
            var rows32 = n32
            factors.withUnsafeMutableBufferPointer { a in
                pivots.withUnsafeMutableBufferPointer { p in
                    BLASKernels.prepare()
                    dgetrf_(&rows32, &n32, a.baseAddress, &leading, p.baseAddress, &info)
                }
            }
            if info > 0 { throw LinearAlgebraError.singular(operation: operation, size: n, pivot: Int(info)) }
            if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "dgetrf", argument: Int(-info)) }
        }
        self.factors = factors
        self.pivots = pivots
    }

    /// det(A) = det(Aᵀ): the product of U's diagonal, negated once per row interchange.
    public var determinant: Double {
        var result = 1.0
        for index in 0..<size {
            result *= factors[index * size + index]
            if pivots[index] != Int32(index + 1) { result = -result }
        }
        return result
    }

    /// X with A·X = B.
    public func solve(_ rightHandSide: DoubleMatrix) throws -> DoubleMatrix {
        try solveLeft(rightHandSide)
    }

    /// X with X·A = B, without forming A⁻¹.
    public func solveRight(_ rightHandSide: DoubleMatrix) throws -> DoubleMatrix {
        try solveRightSide(rightHandSide)
    }

    /// A⁻¹, as the solution of X·A = I (no transposition needed).
    public func inverse() throws -> DoubleMatrix {
        try solveRight(.identity(size))
    }

    var methodName: String { "LU" }

    /// Solves op(Aᵀ)·Y = C, where `buffer`'s elements read column-major are the size×count matrix C. The factors
    /// are of Aᵀ (LAPACK read the row-major A column-major), so a left solve transposes them back ("T").
    func solveColumnMajor(_ buffer: DoubleMatrix, count: Int, leftSolve: Bool, operation: String) throws -> DoubleMatrix {
        let transpose: Unicode.Scalar = leftSolve ? "T" : "N"
        try buffer.requireFinite(operation)
        var n32 = try DoubleMatrix.lapackInt(size, "matrix size", operation)
        var count32 = try DoubleMatrix.lapackInt(count, "right-hand side count", operation)
        var leading = try DoubleMatrix.lapackInt(Swift.max(1, size), "leading dimension", operation)
        var result = buffer
        guard size > 0, count > 0 else { return result }
        var trans = CChar(UInt8(ascii: transpose))
        var info: Int32 = 0
        var leadingB = leading
        factors.withUnsafeBufferPointer { a in
            pivots.withUnsafeBufferPointer { p in
                result.withUnsafeMutableBufferPointer { b in
                    BLASKernels.prepare()
                    dgetrs_(&trans, &n32, &count32, a.baseAddress, &leading, p.baseAddress, b.baseAddress,
                            &leadingB, &info, 1)
                }
            }
        }
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "dgetrs", argument: Int(-info)) }
        return result
    }
}
