extension DoubleMatrix {
    /// The Cholesky factorisation of this symmetric positive-definite matrix.
    public func choleskyFactorization() throws -> CholeskyFactorization {
        try CholeskyFactorization(self)
    }

    /// The LU factorisation (partial pivoting) of this square matrix.
    public func luFactorization() throws -> LUFactorization {
        try LUFactorization(self)
    }

    /// X with self·X = B (LU). Factorise once with `luFactorization()` to solve repeatedly.
    public func solve(_ rightHandSide: DoubleMatrix) throws -> DoubleMatrix {
        try luFactorization().solve(rightHandSide)
    }

    /// X with X·self = B (LU), i.e. B·self⁻¹ without forming the inverse.
    public func solveRight(_ rightHandSide: DoubleMatrix) throws -> DoubleMatrix {
        try luFactorization().solveRight(rightHandSide)
    }

    /// self⁻¹ (LU). Prefer `solve`/`solveRight` when the inverse is only multiplied by something.
    public func inverse() throws -> DoubleMatrix {
        try luFactorization().inverse()
    }
}
