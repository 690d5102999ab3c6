import Foundation
import LetheTestSupport
import Testing
import LetheTensor

/// Symmetric eigenvalues against closed forms.
@Suite struct LinearSolveEigenTests {
    @Test func twoByTwoAndDiagonal() throws {
        // 2 1 / 1 2 has eigenvalues 1 and 3 with eigenvectors (1, −1)/√2 and (1, 1)/√2.
        let (values, vectors) = try DoubleMatrix([[2, 1], [1, 2]]).symmetricEigendecomposition()
        #expect(abs(values[0] - 1) < 1e-15 && abs(values[1] - 3) < 1e-14)
        let s = 1 / 2.0.squareRoot()
        #expect(abs(abs(vectors[0, 0]) - s) < 1e-15 && abs(vectors[0, 0] + vectors[1, 0]) < 1e-15)
        #expect(abs(abs(vectors[0, 1]) - s) < 1e-15 && abs(vectors[0, 1] - vectors[1, 1]) < 1e-15)
        // Ascending, with signs kept; condition number uses magnitudes.
        let diagonal = DoubleMatrix.diagonal([2, -3, 1])
        #expect(try diagonal.symmetricEigenvalues() == [-3, 1, 2])
        #expect(try diagonal.symmetricConditionNumber() == 3)
        #expect(try DoubleMatrix.diagonal([1, 0]).symmetricConditionNumber() == .infinity)
    }

    @Test func secondDifferenceMatrix() throws {
        // tridiag(−1, 2, −1) of size n: λ_k = 2 − 2·cos(kπ/(n+1)), eigenvector k has entries sin(jkπ/(n+1)).
        let n = 12
        var matrix = DoubleMatrix(rows: n, columns: n)
        for i in 0..<n {
            matrix[i, i] = 2
            if i + 1 < n { matrix[i, i + 1] = -1; matrix[i + 1, i] = -1 }
        }
        let expected = (1...n).map { 2 - 2 * cos(Double($0) * Double.pi / Double(n + 1)) }
        let (values, vectors) = try matrix.symmetricEigendecomposition()
        for (found, wanted) in zip(values, expected) { #expect(abs(found - wanted) < 1e-13) }
        #expect(abs(try matrix.symmetricConditionNumber() - expected.last! / expected.first!) < 1e-10)
        // Column k is ± the normalised sine vector.
        for k in 0..<n {
            let sine = (1...n).map { sin(Double($0 * (k + 1)) * Double.pi / Double(n + 1)) }
            let norm = sine.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let sign: Double = vectors[0, k] * sine[0] < 0 ? -1 : 1
            for j in 0..<n { #expect(abs(sign * vectors[j, k] - sine[j] / norm) < 1e-12, "vector \(k) entry \(j)") }
        }
    }

    @Test func randomSymmetricDecompositionReconstructs() throws {
        let samples = try LinearSolveReference.normal(rows: 30, columns: 25, id: 90)
        var gram = DoubleMatrix(rows: 25, columns: 25)
        try gram.addGram(of: samples)
        gram.addToDiagonal(-10)  // indefinite on purpose
        let (values, vectors) = try gram.symmetricEigendecomposition()
        #expect(values == values.sorted())
        // V·diag(λ)·Vᵀ = G and VᵀV = I, with plain loops.
        let reconstructed = LinearSolveReference.product(
            LinearSolveReference.product(vectors, .diagonal(values)), LinearSolveReference.transpose(vectors))
        #expect(RelativeError(reconstructed, gram).value < 1e-12)
        let orthogonality = LinearSolveReference.product(LinearSolveReference.transpose(vectors), vectors)
        #expect(RelativeError(orthogonality, .identity(25)).largestDifference < 1e-13)
        // The trace is the sum of eigenvalues.
        let trace = (0..<25).reduce(0.0) { $0 + gram[$1, $1] }
        #expect(abs(values.reduce(0, +) - trace) < 1e-11 * abs(trace))
    }

    @Test func edgeCasesAndErrors() throws {
        #expect(try DoubleMatrix([]).symmetricEigenvalues() == [])
        #expect(try DoubleMatrix([]).symmetricConditionNumber() == 1)
        #expect(try DoubleMatrix([[5]]).symmetricEigenvalues() == [5])
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 2], [0, 1]]).symmetricEigenvalues() }) {
            $0 == .notSymmetric(operation: "Symmetric eigendecomposition", row: 0, column: 1, value: 2, mirrored: 0)
        }
        expectLinearAlgebraError({ _ = try DoubleMatrix([[1, 2]]).symmetricEigenvalues() }) {
            $0 == .notSquare(operation: "Symmetric eigendecomposition", rows: 1, columns: 2)
        }
    }
}
