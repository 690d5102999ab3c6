/// Checks shared by the LAPACK-backed operations: they turn bad input into `LinearAlgebraError`s before any
/// Fortran routine sees it.
extension DoubleMatrix {
    /// `value` as LAPACK's 32-bit integer.
    static func lapackInt(_ value: Int, _ name: String, _ operation: String) throws -> Int32 {
        guard let converted = Int32(exactly: value) else {
            throw LinearAlgebraError.dimensionTooLarge(operation: operation, name: name, value: value)
        }
        return converted
    }

    func requireSquare(_ operation: String) throws {
        guard isSquare else { throw LinearAlgebraError.notSquare(operation: operation, rows: rows, columns: columns) }
    }

    func requireFinite(_ operation: String) throws {
        try withUnsafeBufferPointer { values in
            for index in 0..<values.count where !values[index].isFinite {
                throw LinearAlgebraError.nonFinite(
                    operation: operation, row: index / columns, column: index % columns, value: values[index])
            }
        }
    }

    /// Symmetric up to rounding: |a(i,j) − a(j,i)| ≤ 1e-10 · max |a|. Exactly symmetric accumulations
    /// (`addGram`, sums of symmetric matrices) pass trivially; a product computed as AᵀA with gemm passes too.
    func requireSymmetric(_ operation: String) throws {
        try requireSquare(operation)
        let n = rows
        try withUnsafeBufferPointer { values in
            let largest = values.reduce(0) { Swift.max($0, abs($1)) }
            let tolerance = 1e-10 * largest
            for row in 0..<n {
                for column in (row + 1)..<n {
                    let value = values[row * n + column], mirrored = values[column * n + row]
                    if abs(value - mirrored) > tolerance {
                        throw LinearAlgebraError.notSymmetric(
                            operation: operation, row: row, column: column, value: value, mirrored: mirrored)
                    }
                }
            }
        }
    }
}
