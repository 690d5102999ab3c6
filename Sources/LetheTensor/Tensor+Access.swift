extension Tensor {
    /// Pointer to the first element of this view.
    public var pointer: UnsafeMutablePointer<Float> { storage.base + offset }

    /// Reads the dense elements of a contiguous tensor.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(isContiguous, "withUnsafeBufferPointer needs a contiguous tensor; call contiguous() first")
        return try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Writes the dense elements of a contiguous tensor (shared with every view of the same storage).
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(isContiguous, "withUnsafeMutableBufferPointer needs a contiguous tensor; call contiguous() first")
        return try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// The elements in row-major order, whatever the strides.
    public func toArray() -> [Float] {
        if isContiguous { return withUnsafeBufferPointer { Array($0) } }
        return contiguous().toArray()
    }

    /// The storage offset of a multi-index.
    @inlinable
    public func storageIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "index \(index) does not match rank \(rank)")
        var position = offset
        for axis in 0..<rank {
            precondition(index[axis] >= 0 && index[axis] < shape[axis], "index \(index) out of bounds for shape \(shape)")
            position += index[axis] * strides[axis]
        }
        return position
    }

    /// Element access by multi-index (for tests and small bookkeeping, not for kernels).
    public subscript(_ index: Int...) -> Float {
        get { storage.base[storageIndex(index)] }
        nonmutating set { storage.base[storageIndex(index)] = newValue }
    }

    /// The value of a one-element tensor.
    public var scalarValue: Float {
        precondition(count == 1, "scalarValue needs a one-element tensor, shape is \(shape)")
        return storage.base[offset]
    }
}
