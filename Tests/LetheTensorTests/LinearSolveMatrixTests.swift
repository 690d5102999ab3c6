import LetheTestSupport
import Testing
import LetheTensor

/// DoubleMatrix construction, conversion and BLAS-backed products against hand values and plain-loop references.
@Suite struct LinearSolveMatrixTests {
    @Test func constructionAndElementCounts() throws {
        let m = try DoubleMatrix([[1, 2, 3], [4, 5, 6]])
        #expect(m.rows == 2 && m.columns == 3)
        #expect(m[1, 0] == 4 && m[0, 2] == 3)
        #expect(m.elements == [1, 2, 3, 4, 5, 6])
        #expect(try DoubleMatrix(rows: 2, columns: 2, converting: [1.5, 2, 3, 4])[0, 0] == 1.5)
        #expect(DoubleMatrix.identity(3).elements == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(DoubleMatrix.diagonal([2, -1]).elements == [2, 0, 0, -1])
        #expect(try DoubleMatrix([]).rows == 0)
        expectLinearAlgebraError({ _ = try DoubleMatrix(rows: 2, columns: 3, elements: [1, 2]) }) {
            $0 == .elementCountMismatch(rows: 2, columns: 3, found: 2)
        }
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 2], [3]]) }) {
            $0 == .elementCountMismatch(rows: 2, columns: 2, found: 3)
        }
        expectLinearAlgebraError({ _ = try DoubleMatrix(rows: -1, columns: 0, elements: []) }) {
            if case .elementCountMismatch = $0 { return true } else { return false }
        }
    }

    @Test func tensorRoundTripHonoursStrides() throws {
        let tensor = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let fromView = try DoubleMatrix(tensor.transposed(0, 1))
        #expect(fromView == (try DoubleMatrix([[1, 4], [2, 5], [3, 6]])))
        let back = try DoubleMatrix([[0.5, -2], [1e-3, 7]]).toTensor()
        #expect(back.shape == [2, 2])
        #expect(back.toArray() == [0.5, -2, Float(1e-3), 7])
        expectLinearAlgebraError({ _ = try DoubleMatrix(Tensor(zeros: [2, 2, 2])) }) { $0 == .notAMatrix(shape: [2, 2, 2]) }
        #expect(LinearAlgebraError.notAMatrix(shape: [2, 2, 2]).description.contains("[2, 2, 2]"))
    }

    @Test func transposeAndArithmetic() throws {
        let a = try DoubleMatrix([[1, 2, 3], [4, 5, 6]])
        #expect(a.transposed() == (try DoubleMatrix([[1, 4], [2, 5], [3, 6]])))
        let big = try LinearSolveReference.normal(rows: 70, columns: 45, id: 1)
        #expect(big.transposed() == LinearSolveReference.transpose(big))
        #expect(try a.adding(a) == a.scaled(by: 2))
        #expect(try a.subtracting(a) == DoubleMatrix(rows: 2, columns: 3))
        var square = DoubleMatrix.identity(2)
        square.addToDiagonal(0.5)
        #expect(square.elements == [1.5, 0, 0, 1.5])
        #expect(try DoubleMatrix([[3, 4]]).frobeniusNorm == 5)
        expectLinearAlgebraError({ _ = try a.adding(a.transposed()) }) {
            $0 == .dimensionMismatch(operation: "Matrix addition", leftRows: 2, leftColumns: 3, rightRows: 3, rightColumns: 2)
        }
    }

    @Test func productOfNonSquareMatricesByHand() throws {
        // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
        let a = try DoubleMatrix([[1, 2, 3], [4, 5, 6]])
        let b = try DoubleMatrix([[7, 8], [9, 10], [11, 12]])
        #expect(try a.multiplied(by: b) == DoubleMatrix([[58, 64], [139, 154]]))
        // Bᵀ·Aᵀ = (AB)ᵀ through the transpose flags.
        var c = DoubleMatrix(rows: 2, columns: 2)
        try c.addProduct(b, a, transposingLeft: true, transposingRight: true)
        #expect(c == (try DoubleMatrix([[58, 139], [64, 154]])))
        expectLinearAlgebraError({ _ = try a.multiplied(by: a) }) {
            $0 == .dimensionMismatch(operation: "Matrix product", leftRows: 2, leftColumns: 3, rightRows: 2, rightColumns: 3)
        }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func accumulatedProductsMatchPlainLoops(transposingLeft: Bool, transposingRight: Bool) throws {
        // op(left) is 37×23 and op(right) is 23×19; the stored operands are transposed where asked.
        let (m, k, n) = (37, 23, 19)
        let left = try LinearSolveReference.normal(rows: transposingLeft ? k : m, columns: transposingLeft ? m : k, id: 2)
        let right = try LinearSolveReference.normal(rows: transposingRight ? n : k, columns: transposingRight ? k : n, id: 3)
        let opLeft = transposingLeft ? LinearSolveReference.transpose(left) : left
        let opRight = transposingRight ? LinearSolveReference.transpose(right) : right
        let start = try LinearSolveReference.normal(rows: m, columns: n, id: 5)
        var accumulated = start
        try accumulated.addProduct(left, right, transposingLeft: transposingLeft,
                                   transposingRight: transposingRight, scale: -0.5)
        let expected = try start.adding(LinearSolveReference.product(opLeft, opRight).scaled(by: -0.5))
        #expect(RelativeError(accumulated, expected).largestDifference < 1e-12)
    }

    @Test func gramAccumulationIsSymmetricAndMatchesPlainLoops() throws {
        let keys = try LinearSolveReference.normal(rows: 150, columns: 40, id: 6)
        var gram = DoubleMatrix(rows: 40, columns: 40)
        try gram.addGram(of: keys)
        let expected = LinearSolveReference.product(LinearSolveReference.transpose(keys), keys)
        #expect(RelativeError(gram, expected).largestDifference < 1e-11)
        #expect(gram == gram.transposed(), "Gram accumulation must be exactly symmetric")
        // Two batches accumulate to the same matrix (up to rounding), with a scale.
        var batched = DoubleMatrix(rows: 40, columns: 40)
        let first = try DoubleMatrix(rows: 100, columns: 40, elements: Array(keys.elements[0..<4000]))
        let second = try DoubleMatrix(rows: 50, columns: 40, elements: Array(keys.elements[4000...]))
        try batched.addGram(of: first, scale: 2)
        try batched.addGram(of: second, scale: 2)
        #expect(RelativeError(batched, expected.scaled(by: 2)).largestDifference < 1e-11)
        #expect(batched == batched.transposed())
        // Zero samples change nothing; a width mismatch is an error.
        try batched.addGram(of: DoubleMatrix(rows: 0, columns: 40))
        #expect(RelativeError(batched, expected.scaled(by: 2)).largestDifference < 1e-11)
        expectLinearAlgebraError({ try gram.addGram(of: DoubleMatrix(rows: 3, columns: 39)) }) {
            if case .dimensionMismatch = $0 { return true } else { return false }
        }
    }

    @Test func dimensionsBeyondInt32AreReportedNotPassedToBLAS() throws {
        // Zero-element operands with a huge inner dimension: nothing to allocate, but BLAS cannot take it.
        let huge = Int(Int32.max) + 1
        let wide = DoubleMatrix(rows: 0, columns: huge)
        let tall = DoubleMatrix(rows: huge, columns: 0)
        expectLinearAlgebraError({ _ = try wide.multiplied(by: tall) }) {
            $0 == .dimensionTooLarge(operation: "Matrix product", name: "inner dimension", value: huge)
        }
        let message = LinearAlgebraError.dimensionTooLarge(operation: "Matrix product", name: "inner dimension", value: huge)
            .description
        #expect(message.contains("2147483648") && message.contains("2147483647"))
    }
}
