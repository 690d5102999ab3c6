/// What the Cholesky and LU factorisations share: LAPACK solves with a factor held column-major, wrapped into
/// row-major left (A·X = B) and right (X·A = B) solves.
protocol ColumnMajorSolver {
    var size: Int { get }
    /// "Cholesky" or "LU", for error messages.
    var methodName: String { get }
    /// Solves with the factor for the size×count matrix that `buffer`'s elements form when read column-major:
    /// A·Y = C when `leftSolve`, otherwise Aᵀ·Y = C (which is the right solve of row-major data).
    func solveColumnMajor(_ buffer: DoubleMatrix, count: Int, leftSolve: Bool, operation: String) throws -> DoubleMatrix
}

extension ColumnMajorSolver {
    /// X with A·X = B.
    func solveLeft(_ rightHandSide: DoubleMatrix) throws -> DoubleMatrix {
        let operation = "\(methodName) solve A·X = B"
        guard rightHandSide.rows == size else {
            throw LinearAlgebraError.dimensionMismatch(
                operation: operation, leftRows: size, leftColumns: size,
                rightRows: rightHandSide.rows, rightColumns: rightHandSide.columns)
        }
        // LAPACK wants each right-hand side contiguous (column-major B); a single column already is.
        if rightHandSide.columns == 1 {
            return try solveColumnMajor(rightHandSide, count: 1, leftSolve: true, operation: operation)
        }
        return try solveColumnMajor(rightHandSide.transposed(), count: rightHandSide.columns, leftSolve: true,
                                    operation: operation).transposed()
    }

    /// X with X·A = B: row-major B read column-major is Bᵀ, and X·A = B is Aᵀ·Xᵀ = Bᵀ, so no transposition.
    func solveRightSide(_ rightHandSide: DoubleMatrix) throws -> DoubleMatrix {
        let operation = "\(methodName) solve X·A = B"
        guard rightHandSide.columns == size else {
            throw LinearAlgebraError.dimensionMismatch(
                operation: operation, leftRows: rightHandSide.rows, leftColumns: rightHandSide.columns,
                rightRows: size, rightColumns: size)
        }
        return try solveColumnMajor(rightHandSide, count: rightHandSide.rows, leftSolve: false, operation: operation)
    }
}
