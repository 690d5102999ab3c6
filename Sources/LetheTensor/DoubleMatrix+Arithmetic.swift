extension DoubleMatrix {
    /// The transpose, as a new row-major matrix.
    public func transposed() -> DoubleMatrix {
        var result = DoubleMatrix(rows: columns, columns: rows)
        let (rows, columns) = (self.rows, self.columns)
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                // Blocked so both sides stay in cache for large matrices.
                let tile = 32
                for rowStart in stride(from: 0, to: rows, by: tile) {
                    for columnStart in stride(from: 0, to: columns, by: tile) {
                        for row in rowStart..<Swift.min(rowStart + tile, rows) {
                            for column in columnStart..<Swift.min(columnStart + tile, columns) {
                                destination[column * rows + row] = source[row * columns + column]
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// `self + other`.
    public func adding(_ other: DoubleMatrix) throws -> DoubleMatrix {
        var result = self
        try result.add(other)
        return result
    }

    /// `self − other`.
    public func subtracting(_ other: DoubleMatrix) throws -> DoubleMatrix {
        var result = self
        try result.add(other, scaledBy: -1)
        return result
    }

    /// `factor · self`.
    public func scaled(by factor: Double) -> DoubleMatrix {
        var result = self
        result.scale(by: factor)
        return result
    }

    /// `self += factor · other`.
    public mutating func add(_ other: DoubleMatrix, scaledBy factor: Double = 1) throws {
        guard other.rows == rows, other.columns == columns else {
            throw LinearAlgebraError.dimensionMismatch(
                operation: "Matrix addition", leftRows: rows, leftColumns: columns,
                rightRows: other.rows, rightColumns: other.columns)
        }
        other.withUnsafeBufferPointer { source in
            withUnsafeMutableBufferPointer { destination in
                for index in 0..<destination.count { destination[index] += factor * source[index] }
            }
        }
    }

    /// `self *= factor`.
    public mutating func scale(by factor: Double) {
        withUnsafeMutableBufferPointer { values in
            for index in 0..<values.count { values[index] *= factor }
        }
    }

    /// Adds `value` to every diagonal element (Tikhonov regularisation `A + λI`).
    public mutating func addToDiagonal(_ value: Double) {
        let (count, stride) = (Swift.min(rows, columns), columns + 1)
        withUnsafeMutableBufferPointer { values in
            for index in 0..<count { values[index * stride] += value }
        }
    }

    /// The largest |self(i,j) − other(i,j)|.
    public func maxAbsoluteDifference(_ other: DoubleMatrix) throws -> Double {
        guard other.rows == rows, other.columns == columns else {
            throw LinearAlgebraError.dimensionMismatch(
                operation: "Matrix comparison", leftRows: rows, leftColumns: columns,
                rightRows: other.rows, rightColumns: other.columns)
        }
        return zip(elements, other.elements).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
    }

    /// √(Σ self(i,j)²).
    public var frobeniusNorm: Double {
        elements.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}

extension DoubleMatrix {
    /// The rows of `blocks` one after another (every block has `columns` columns; no blocks: 0×columns).
    public init(stacking blocks: [DoubleMatrix], columns: Int) throws {
        var elements: [Double] = []
        elements.reserveCapacity(blocks.reduce(0) { $0 + $1.rows } * columns)
        for block in blocks {
            guard block.columns == columns else {
                throw LinearAlgebraError.dimensionMismatch(
                    operation: "Row stacking", leftRows: 0, leftColumns: columns, rightRows: block.rows, rightColumns: block.columns)
            }
            elements += block.elements
        }
        try self.init(rows: elements.count / max(columns, 1), columns: columns, elements: elements)
    }
}
