import LetheTestSupport
import Testing
import LetheTensor

/// LU solves: the row- vs column-major trap, hand-computed systems, random systems, singular input, edge sizes.
@Suite struct LinearSolveLUTests {
    // A = 1 2 / 3 4 is not symmetric, so solving the transposed system by mistake gives a different answer.
    let a: DoubleMatrix

    init() throws { a = try DoubleMatrix([[1, 2], [3, 4]]) }

    @Test func leftSolveIsNotTheTransposedSolve() throws {
        // x + 2y = 5, 3x + 4y = 6 ⇒ x = −4, y = 9/2. (Aᵀ would give x = −9, y = 7.)
        let x = try a.solve(DoubleMatrix([[5], [6]]))
        #expect(RelativeError(x, try DoubleMatrix([[-4], [4.5]])).largestDifference < 1e-14)
        // Two right-hand sides at once: columns solved independently.
        let xs = try a.solve(DoubleMatrix([[5, 1], [6, 3]]))
        #expect(RelativeError(xs, try DoubleMatrix([[-4, 1], [4.5, 0]])).largestDifference < 1e-14)
    }

    @Test func rightSolveIsNotTheLeftSolve() throws {
        // (x, y)·A = (5, 6): x + 3y = 5, 2x + 4y = 6 ⇒ x = −1, y = 2.
        let x = try a.solveRight(DoubleMatrix([[5, 6]]))
        #expect(RelativeError(x, try DoubleMatrix([[-1, 2]])).largestDifference < 1e-14)
        let xs = try a.solveRight(DoubleMatrix([[5, 6], [1, 2]]))
        #expect(RelativeError(xs, try DoubleMatrix([[-1, 2], [1, 0]])).largestDifference < 1e-14)
    }

    @Test func inverseAndDeterminantByHand() throws {
        // A⁻¹ = (1/−2)·(4 −2 / −3 1).
        let inverse = try a.inverse()
        #expect(RelativeError(inverse, try DoubleMatrix([[-2, 1], [1.5, -0.5]])).largestDifference < 1e-14)
        #expect(abs(try a.luFactorization().determinant - -2) < 1e-14)
        // A 3×3 that needs pivoting (zero in the corner); det = 29 by cofactor expansion.
        let b = try DoubleMatrix([[0, 2, 1], [1, -1, 3], [4, 1, 0]])
        #expect(abs(try b.luFactorization().determinant - 29) < 1e-13)
        // B·X = C with X = 1 2 / −1 0 / 3 1, so C = 1 1 / 11 5 / 3 8.
        let x = try b.solve(DoubleMatrix([[1, 1], [11, 5], [3, 8]]))
        #expect(RelativeError(x, try DoubleMatrix([[1, 2], [-1, 0], [3, 1]])).largestDifference < 1e-14)
        let identity = LinearSolveReference.product(b, try b.inverse())
        #expect(RelativeError(identity, .identity(3)).largestDifference < 1e-14)
    }

    @Test(arguments: [5, 64, 200])
    func randomSystemsMeetConditionScaledBounds(size: Int) throws {
        // G/√n + 3I has eigenvalues in a disk of radius ~1 around 3: well conditioned but far from symmetric.
        var matrix = try LinearSolveReference.normal(rows: size, columns: size, id: 20 + UInt64(size))
            .scaled(by: 1 / Double(size).squareRoot())
        matrix.addToDiagonal(3)
        let condition = try LinearSolveReference.conditionNumber(matrix)
        let bound = condition * Double(size) * Double.ulpOfOne * 10
        let factorization = try matrix.luFactorization()

        let expectedX = try LinearSolveReference.normal(rows: size, columns: 7, id: 40 + UInt64(size))
        let x = try factorization.solve(LinearSolveReference.product(matrix, expectedX))
        #expect(RelativeError(x, expectedX).value < bound,
                "κ = \(condition)")

        let expectedY = try LinearSolveReference.normal(rows: 3, columns: size, id: 60 + UInt64(size))
        let y = try factorization.solveRight(LinearSolveReference.product(expectedY, matrix))
        #expect(RelativeError(y, expectedY).value < bound)

        // A·A⁻¹ = I to working accuracy.
        let identity = LinearSolveReference.product(matrix, try factorization.inverse())
        #expect(RelativeError(identity, .identity(size)).largestDifference < bound)
    }

    @Test func singularMatricesNameTheZeroPivot() throws {
        // Rank 1: elimination on Aᵀ = A leaves U(2,2) = 4 − 2·2 = 0 after swapping the larger row up.
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 2], [2, 4]]).luFactorization() }) {
            $0 == .singular(operation: "LU factorisation", size: 2, pivot: 2)
        }
        // A zero column of A is a zero row of the factorised Aᵀ: the last pivot is the zero one.
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 0, 2], [3, 0, 4], [5, 0, 6]]).solve(.identity(3)) }) {
            $0 == .singular(operation: "LU factorisation", size: 3, pivot: 3)
        }
        expectLinearAlgebraError({ _ = try DoubleMatrix([[0]]).inverse() }) {
            $0 == .singular(operation: "LU factorisation", size: 1, pivot: 1)
        }
        let message = LinearAlgebraError.singular(operation: "LU factorisation", size: 3, pivot: 3).description
        #expect(message.contains("singular") && message.contains("pivot 3"))
    }

    @Test func shapeErrors() throws {
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 2, 3], [4, 5, 6]]).luFactorization() }) {
            $0 == .notSquare(operation: "LU factorisation", rows: 2, columns: 3)
        }
        expectLinearAlgebraError({ _ = try a.solve(DoubleMatrix([[1], [2], [3]])) }) {
            $0 == .dimensionMismatch(operation: "LU solve A·X = B", leftRows: 2, leftColumns: 2,
                                     rightRows: 3, rightColumns: 1)
        }
        expectLinearAlgebraError({ _ = try a.solveRight(DoubleMatrix([[1, 2, 3]])) }) {
            $0 == .dimensionMismatch(operation: "LU solve X·A = B", leftRows: 1, leftColumns: 3,
                                     rightRows: 2, rightColumns: 2)
        }
        expectLinearAlgebraError({ _ = try DoubleMatrix([[.infinity]]).luFactorization() }) {
            if case .nonFinite(operation: "LU factorisation", row: 0, column: 0, _) = $0 { return true }
            return false
        }
    }

    @Test func emptyAndOneByOne() throws {
        let empty = try DoubleMatrix([]).luFactorization()
        #expect(empty.determinant == 1)
        #expect(try empty.inverse() == DoubleMatrix([]))
        let solution = try empty.solve(DoubleMatrix(rows: 0, columns: 4))
        #expect(solution.rows == 0 && solution.columns == 4)
        #expect(try DoubleMatrix([[-2]]).solve(DoubleMatrix([[3, 1]])) == DoubleMatrix([[-1.5, -0.5]]))
        #expect(try DoubleMatrix([[-2]]).solveRight(DoubleMatrix([[3], [1]])) == DoubleMatrix([[-1.5], [-0.5]]))
        #expect(try DoubleMatrix([[8]]).inverse() == DoubleMatrix([[0.125]]))
    }

    @Test func rightHandSideCountBeyondInt32IsAnError() throws {
        // 0×0 system with 2^31 right-hand sides: no memory needed, but LAPACK's nrhs cannot hold the count.
        let huge = Int(Int32.max) + 1
        let factorization = try DoubleMatrix([]).luFactorization()
        expectLinearAlgebraError({ _ = try factorization.solveRight(DoubleMatrix(rows: huge, columns: 0)) }) {
            $0 == .dimensionTooLarge(operation: "LU solve X·A = B", name: "right-hand side count", value: huge)
        }
        let cholesky = try DoubleMatrix([]).choleskyFactorization()
        expectLinearAlgebraError({ _ = try cholesky.solve(DoubleMatrix(rows: 0, columns: huge)) }) {
            $0 == .dimensionTooLarge(operation: "Cholesky solve A·X = B", name: "right-hand side count", value: huge)
        }
    }
}
