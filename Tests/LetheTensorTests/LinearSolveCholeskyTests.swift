import LetheTestSupport
import Testing
import LetheTensor

/// Cholesky factorisation and solves: hand-computed cases, random SPD systems, and errors.
@Suite struct LinearSolveCholeskyTests {
    @Test func factorOfTextbookMatrix() throws {
        // 25 15 −5 / 15 18 0 / −5 0 11 = L·Lᵀ with L = 5 0 0 / 3 3 0 / −1 1 3.
        let a = try DoubleMatrix([[25, 15, -5], [15, 18, 0], [-5, 0, 11]])
        let lower = try a.choleskyFactorization().lower
        #expect(RelativeError(lower, try DoubleMatrix([[5, 0, 0], [3, 3, 0], [-1, 1, 3]])).largestDifference < 1e-14)
        // 4 2 / 2 3: L = 2 0 / 1 √2.
        let small = try DoubleMatrix([[4, 2], [2, 3]]).choleskyFactorization().lower
        #expect(RelativeError(small, try DoubleMatrix([[2, 0], [1, 2.0.squareRoot()]])).largestDifference < 1e-15)
    }

    @Test func solvesByHand() throws {
        let factorization = try DoubleMatrix([[25, 15, -5], [15, 18, 0], [-5, 0, 11]]).choleskyFactorization()
        // A·X = B with X = 1 0 / 0 1 / 1 −1, so B = 20 20 / 15 18 / 6 −11.
        let x = try factorization.solve(DoubleMatrix([[20, 20], [15, 18], [6, -11]]))
        #expect(RelativeError(x, try DoubleMatrix([[1, 0], [0, 1], [1, -1]])).largestDifference < 1e-14)
        // X·A = B with X = 1 0 1 / 0 1 −1, so B = A's row 0 + row 2, row 1 − row 2.
        let y = try factorization.solveRight(DoubleMatrix([[20, 15, 6], [20, 18, -11]]))
        #expect(RelativeError(y, try DoubleMatrix([[1, 0, 1], [0, 1, -1]])).largestDifference < 1e-14)
        // Single right-hand side: 4 2 / 2 3 · x = (2, 1) gives x = (1/2, 0).
        let v = try DoubleMatrix([[4, 2], [2, 3]]).choleskyFactorization().solve(DoubleMatrix([[2], [1]]))
        #expect(RelativeError(v, try DoubleMatrix([[0.5], [0]])).largestDifference < 1e-15)
    }

    @Test func randomGramSystemsLeftAndRight() throws {
        // G = KᵀK + I from 400 samples of width 60: well conditioned, like a regularised UCE Gram matrix.
        let keys = try LinearSolveReference.normal(rows: 400, columns: 60, id: 10)
        var gram = DoubleMatrix.identity(60)
        try gram.addGram(of: keys)
        let condition = try gram.symmetricConditionNumber()
        let factorization = try gram.choleskyFactorization()
        let expectedX = try LinearSolveReference.normal(rows: 60, columns: 9, id: 11)
        let b = LinearSolveReference.product(gram, expectedX)
        let x = try factorization.solve(b)
        // Forward error ≤ κ·n·ε up to a modest constant.
        let bound = condition * 60 * Double.ulpOfOne * 10
        #expect(RelativeError(x, expectedX).value < bound)
        let expectedY = try LinearSolveReference.normal(rows: 13, columns: 60, id: 12)
        let c = LinearSolveReference.product(expectedY, gram)
        let y = try factorization.solveRight(c)
        #expect(RelativeError(y, expectedY).value < bound)
        // L·Lᵀ reconstructs G.
        let lower = factorization.lower
        let reconstructed = LinearSolveReference.product(lower, LinearSolveReference.transpose(lower))
        #expect(RelativeError(reconstructed, gram).value < 1e-12)
    }

    @Test func closedFormEditAtCLIPWidth() throws {
        // The UCE shape: W' = C·G⁻¹ with 768×768 G = KᵀK + λI and C = VᵀK, V of width 320.
        let keys = try LinearSolveReference.normal(rows: 1000, columns: 768, id: 13)
        let values = try LinearSolveReference.normal(rows: 1000, columns: 320, id: 14)
        var gram = DoubleMatrix(rows: 768, columns: 768)
        try gram.addGram(of: keys)
        gram.addToDiagonal(0.1)
        var cross = DoubleMatrix(rows: 320, columns: 768)
        try cross.addProduct(values, keys, transposingLeft: true)
        let edited = try gram.choleskyFactorization().solveRight(cross)
        #expect(edited.rows == 320 && edited.columns == 768)
        // Residual W'·G − C, computed with plain loops on a sample of rows.
        let sampleRows = [0, 1, 159, 319]
        let scale = cross.elements.reduce(0) { max($0, abs($1)) }
        for row in sampleRows {
            var worst = 0.0
            for column in stride(from: 0, to: 768, by: 37) {
                var sum = 0.0
                for k in 0..<768 { sum += edited[row, k] * gram[k, column] }
                worst = max(worst, abs(sum - cross[row, column]))
            }
            #expect(worst < 1e-9 * scale, "row \(row) residual \(worst)")
        }
    }

    @Test func notPositiveDefiniteNamesTheLeadingMinor() throws {
        expectLinearAlgebraError({ _ = try DoubleMatrix([[-1, 0], [0, 1]]).choleskyFactorization() }) {
            $0 == .notPositiveDefinite(operation: "Cholesky factorisation", size: 2, order: 1)
        }
        // det [[1,2],[2,1]] = −3 < 0: the second leading minor fails.
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 2], [2, 1]]).choleskyFactorization() }) {
            $0 == .notPositiveDefinite(operation: "Cholesky factorisation", size: 2, order: 2)
        }
        // Positive semidefinite: the second leading minor is exactly zero.
        let semidefinite = try DoubleMatrix([[4, 2, 0], [2, 1, 0], [0, 0, 1]])
        expectLinearAlgebraError({ _ = try semidefinite.choleskyFactorization() }) {
            $0 == .notPositiveDefinite(operation: "Cholesky factorisation", size: 3, order: 2)
        }
        let message = LinearAlgebraError.notPositiveDefinite(operation: "Cholesky factorisation", size: 3, order: 2)
            .description
        #expect(message.contains("3×3") && message.contains("order 2"))
    }

    @Test func nonSymmetricNonSquareAndNonFiniteInputsAreRejected() throws {
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 2], [3, 4]]).choleskyFactorization() }) {
            $0 == .notSymmetric(operation: "Cholesky factorisation", row: 0, column: 1, value: 2, mirrored: 3)
        }
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 2, 3]]).choleskyFactorization() }) {
            $0 == .notSquare(operation: "Cholesky factorisation", rows: 1, columns: 3)
        }
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 0], [0, .nan]]).choleskyFactorization() }) {
            if case let .nonFinite(_, row, column, value) = $0 { return row == 1 && column == 1 && value.isNaN }
            return false
        }
        let factorization = try DoubleMatrix([[4, 2], [2, 3]]).choleskyFactorization()
        expectLinearAlgebraError({ _ = try factorization.solve(DoubleMatrix([[1], [.infinity]])) }) {
            if case .nonFinite = $0 { return true } else { return false }
        }
        expectLinearAlgebraError({ _ = try factorization.solve(DoubleMatrix([[1, 2, 3]])) }) {
            $0 == .dimensionMismatch(operation: "Cholesky solve A·X = B", leftRows: 2, leftColumns: 2,
                                     rightRows: 1, rightColumns: 3)
        }
        expectLinearAlgebraError({ _ = try factorization.solveRight(DoubleMatrix([[1], [2]])) }) {
            $0 == .dimensionMismatch(operation: "Cholesky solve X·A = B", leftRows: 2, leftColumns: 1,
                                     rightRows: 2, rightColumns: 2)
        }
        // Rounding-level asymmetry (as from a gemm-computed AᵀA) is accepted.
        let nearlySymmetric = try DoubleMatrix([[2, 1 + 1e-14], [1, 2]])
        #expect(throws: Never.self) { _ = try nearlySymmetric.choleskyFactorization() }
    }

    @Test func emptyAndOneByOne() throws {
        let empty = try DoubleMatrix([]).choleskyFactorization()
        #expect(empty.size == 0)
        let emptySolution = try empty.solve(DoubleMatrix(rows: 0, columns: 3))
        #expect(emptySolution.rows == 0 && emptySolution.columns == 3)
        #expect(try empty.solveRight(DoubleMatrix(rows: 2, columns: 0)).rows == 2)
        let one = try DoubleMatrix([[4]]).choleskyFactorization()
        #expect(one.lower == (try DoubleMatrix([[2]])))
        #expect(try one.solve(DoubleMatrix([[8, -2]])) == DoubleMatrix([[2, -0.5]]))
        expectLinearAlgebraError({ _ = try DoubleMatrix([[0]]).choleskyFactorization() }) {
            $0 == .notPositiveDefinite(operation: "Cholesky factorisation", size: 1, order: 1)
        }
    }
}
