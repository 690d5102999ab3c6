import Testing
import LetheTensor

/// Float64 references for the linear-algebra tests, written as plain loops so they share no code with the
/// BLAS/LAPACK paths under test.
enum LinearSolveReference {
    static func product(_ a: DoubleMatrix, _ b: DoubleMatrix) -> DoubleMatrix {
        precondition(a.columns == b.rows)
        var result = DoubleMatrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var sum = 0.0
                for k in 0..<a.columns { sum += a[i, k] * b[k, j] }
                result[i, j] = sum
            }
        }
        return result
    }

    static func transpose(_ a: DoubleMatrix) -> DoubleMatrix {
        var result = DoubleMatrix(rows: a.columns, columns: a.rows)
        for i in 0..<a.rows { for j in 0..<a.columns { result[j, i] = a[i, j] } }
        return result
    }

    /// A random matrix of standard normals from a fixed stream.
    static func normal(rows: Int, columns: Int, id: UInt64) throws -> DoubleMatrix {
        let values = RandomStream(seed: 77, purpose: "linear-solve-tests", id: id).normalDoubles(count: rows * columns)
        return try DoubleMatrix(rows: rows, columns: columns, elements: values)
    }

    /// √(λmax/λmin) of AᵀA: the 2-norm condition number of a square A.
    static func conditionNumber(_ a: DoubleMatrix) throws -> Double {
        let gram = product(transpose(a), a)
        let values = try gram.symmetricEigenvalues()
        return (values.last! / values.first!).squareRoot()
    }
}

/// Expects `body` to throw a `LinearAlgebraError` accepted by `matches`.
func expectLinearAlgebraError(
    _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (LinearAlgebraError) -> Bool
) {
    do {
        try body()
        Issue.record("expected a LinearAlgebraError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as LinearAlgebraError {
        #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a LinearAlgebraError, got \(error)", sourceLocation: sourceLocation)
    }
}
