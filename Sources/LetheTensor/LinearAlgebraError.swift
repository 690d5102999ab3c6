/// Why a float64 linear-algebra operation could not be carried out.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// An array or tensor did not hold `rows × columns` elements.
    case elementCountMismatch(rows: Int, columns: Int, found: Int)
    /// A tensor given as a matrix was not rank 2.
    case notAMatrix(shape: [Int])
    /// Operand shapes do not fit together.
    case dimensionMismatch(operation: String, leftRows: Int, leftColumns: Int, rightRows: Int, rightColumns: Int)
    /// The operation needs a square matrix.
    case notSquare(operation: String, rows: Int, columns: Int)
    /// The operation needs a symmetric matrix; `(row, column)` differs from its mirror by more than rounding.
    case notSymmetric(operation: String, row: Int, column: Int, value: Double, mirrored: Double)
    /// An input held NaN or infinity at (`row`, `column`).
    case nonFinite(operation: String, row: Int, column: Int, value: Double)
    /// Cholesky failed: the leading minor of order `order` (1-based) is not positive definite.
    case notPositiveDefinite(operation: String, size: Int, order: Int)
    /// LU found an exactly zero pivot: U(`pivot`, `pivot`) = 0 (1-based), so the matrix is singular.
    case singular(operation: String, size: Int, pivot: Int)
    /// A dimension exceeds LAPACK's 32-bit integer range.
    case dimensionTooLarge(operation: String, name: String, value: Int)
    /// The eigenvalue iteration did not converge (`count` off-diagonal elements did not reach zero).
    case eigenvaluesDidNotConverge(size: Int, count: Int)
    /// LAPACK rejected argument `argument` (an internal error: the wrapper passed something invalid).
    case invalidArgument(routine: String, argument: Int)

    /// A full sentence naming the operation, the sizes involved and what was expected.
    public var description: String {
        switch self {
        case let .elementCountMismatch(rows, columns, found):
            return "A \(rows)×\(columns) matrix needs \(rows * columns) elements, but \(found) were given."
        case let .notAMatrix(shape):
            return "Expected a rank-2 tensor to convert to a matrix, but found shape \(shape)."
        case let .dimensionMismatch(operation, leftRows, leftColumns, rightRows, rightColumns):
            return "\(operation): a \(leftRows)×\(leftColumns) matrix does not fit with a "
                + "\(rightRows)×\(rightColumns) matrix."
        case let .notSquare(operation, rows, columns):
            return "\(operation) needs a square matrix, but found \(rows)×\(columns)."
        case let .notSymmetric(operation, row, column, value, mirrored):
            return "\(operation) needs a symmetric matrix, but element (\(row), \(column)) = \(value) while "
                + "(\(column), \(row)) = \(mirrored)."
        case let .nonFinite(operation, row, column, value):
            return "\(operation): element (\(row), \(column)) is \(value); expected finite values."
        case let .notPositiveDefinite(operation, size, order):
            return "\(operation): the \(size)×\(size) matrix is not positive definite (its leading minor of order "
                + "\(order) is not positive)."
        case let .singular(operation, size, pivot):
            return "\(operation): the \(size)×\(size) matrix is singular (LU pivot \(pivot) of \(size) is "
                + "exactly zero)."
        case let .dimensionTooLarge(operation, name, value):
            return "\(operation): \(name) = \(value) exceeds LAPACK's 32-bit limit of \(Int32.max)."
        case let .eigenvaluesDidNotConverge(size, count):
            return "Symmetric eigenvalues of a \(size)×\(size) matrix did not converge (\(count) off-diagonal "
                + "elements remained nonzero)."
        case let .invalidArgument(routine, argument):
            return "\(routine) rejected its argument \(argument); this is a bug in the LAPACK wrapper."
        }
    }
}
