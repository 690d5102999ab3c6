/// A small dense float64 matrix in row-major order, for accumulations and solves that need more precision than
/// Float (Gram matrices, closed-form weight edits).
///
/// LAPACK is column-major; the solve and factorisation methods handle the layout, so callers think in rows.
public struct DoubleMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Element (r, c) is at `r * columns + c`.
    public private(set) var elements: [Double]

    /// A zero matrix.
    public init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, repeating: 0)
    }

    /// A matrix with every element equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Double) {
        precondition(rows >= 0 && columns >= 0, "negative matrix size \(rows)×\(columns)")
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        precondition(!overflow, "matrix size \(rows)×\(columns) overflows Int")
        self.rows = rows
        self.columns = columns
        elements = [Double](repeating: value, count: count)
    }

    /// A matrix holding `elements` in row-major order.
    public init(rows: Int, columns: Int, elements: [Double]) throws {
        guard rows >= 0, columns >= 0, rows.multipliedReportingOverflow(by: columns) == (elements.count, false) else {
            throw LinearAlgebraError.elementCountMismatch(rows: rows, columns: columns, found: elements.count)
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from Float values in row-major order, widened to Double.
    public init(rows: Int, columns: Int, converting values: [Float]) throws {
        try self.init(rows: rows, columns: columns, elements: values.map(Double.init))
    }

    /// A matrix from a list of rows, which must all have the same length. `[]` is the 0×0 matrix.
    public init(_ rowList: [[Double]]) throws {
        let columns = rowList.first?.count ?? 0
        for row in rowList where row.count != columns {
            let found = rowList.reduce(0) { $0 + $1.count }
            throw LinearAlgebraError.elementCountMismatch(rows: rowList.count, columns: columns, found: found)
        }
        try self.init(rows: rowList.count, columns: columns, elements: rowList.flatMap { $0 })
    }

    /// The n×n identity.
    public static func identity(_ size: Int) -> DoubleMatrix {
        var result = DoubleMatrix(rows: size, columns: size)
        for index in 0..<size { result.elements[index * size + index] = 1 }
        return result
    }

    /// A square matrix with `values` on the diagonal.
    public static func diagonal(_ values: [Double]) -> DoubleMatrix {
        var result = DoubleMatrix(rows: values.count, columns: values.count)
        for (index, value) in values.enumerated() { result.elements[index * values.count + index] = value }
        return result
    }

    /// Whether rows == columns.
    public var isSquare: Bool { rows == columns }

    /// Element access (bounds are a programmer error).
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "index (\(row), \(column)) out of bounds for \(rows)×\(columns)")
            return elements[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "index (\(row), \(column)) out of bounds for \(rows)×\(columns)")
            elements[row * columns + column] = newValue
        }
    }

    /// Reads the row-major elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try elements.withUnsafeBufferPointer(body)
    }

    /// Writes the row-major elements in place.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try elements.withUnsafeMutableBufferPointer { try body($0) }
    }
}
