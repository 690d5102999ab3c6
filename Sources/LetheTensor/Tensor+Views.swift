extension Tensor {
    /// The same elements with a new shape; one dimension may be -1. Copies only if the view is not contiguous.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        if let inferred = newShape.firstIndex(of: -1) {
            precondition(newShape.filter { $0 == -1 }.count == 1, "reshape \(newShape): only one -1 allowed")
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        let dense = isContiguous ? self : contiguous()
        return Tensor(storage: dense.storage, shape: resolved, offset: dense.offset)
    }

    /// A view with two axes swapped.
    public func transposed(_ first: Int, _ second: Int) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(first, second)
        return permuted(order)
    }

    /// A view with axes reordered: axis `i` of the result is axis `order[i]` of this tensor.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permutation \(order) does not match rank \(rank)")
        return Tensor(storage: storage, shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset)
    }

    /// A view of `length` entries of `axis` starting at `start`.
    public func narrowed(axis: Int, start: Int, length: Int) -> Tensor {
        precondition(axis >= 0 && axis < rank, "axis \(axis) out of range for rank \(rank)")
        precondition(start >= 0 && length >= 0 && start + length <= shape[axis],
                     "narrow \(start)..<\(start + length) out of bounds for axis \(axis) of size \(shape[axis])")
        var newShape = shape
        newShape[axis] = length
        return Tensor(storage: storage, shape: newShape, strides: strides, offset: offset + start * strides[axis])
    }

    /// A view of entry `index` of `axis`, with that axis removed.
    public func selecting(axis: Int, index: Int) -> Tensor {
        let slice = narrowed(axis: axis, start: index, length: 1)
        var newShape = slice.shape
        var newStrides = slice.strides
        newShape.remove(at: axis)
        newStrides.remove(at: axis)
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: slice.offset)
    }

    /// Entry `index` along the first axis.
    public subscript(index index: Int) -> Tensor { selecting(axis: 0, index: index) }

    /// A dense copy if this view is strided, otherwise this view itself.
    public func contiguous() -> Tensor {
        isContiguous ? self : copy()
    }

    /// A new tensor with its own storage holding this view's elements in row-major order.
    public func copy() -> Tensor {
        let result = Tensor(unfilled: shape)
        copyStrided(into: result.pointer)
        return result
    }

    /// Copies `source` (any strides, same shape) into this contiguous tensor.
    public func assign(_ source: Tensor) {
        precondition(source.shape == shape, "assign: shape \(source.shape) does not match \(shape)")
        precondition(isContiguous, "assign needs a contiguous destination")
        source.copyStrided(into: pointer)
    }

    /// Writes this view's elements densely to `destination`, innermost axis in a tight loop; large views are split
    /// over the cores by rows of the innermost axis.
    func copyStrided(into destination: UnsafeMutablePointer<Float>) {
        let total = count
        if total == 0 { return }
        if isContiguous {
            destination.update(from: pointer, count: total)
            return
        }
        let innerSize = shape.last ?? 1
        let innerStride = strides.last ?? 1
        let outerShape = Array(shape.dropLast())
        let outerStrides = Array(strides.dropLast())
        let (source, target) = (SharedFloatPointer(storage.base), SharedFloatPointer(destination))
        let offset = self.offset
        let rows = total / innerSize
        Tensor.forEachRange(count: rows, workers: Tensor.workerCount(count: total, grain: Tensor.elementwiseGrain)) { _, range in
            // The multi-index of the range's first row, then counted up row by row.
            var index = [Int](repeating: 0, count: outerShape.count)
            var remainder = range.lowerBound
            for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
                (remainder, index[axis]) = remainder.quotientAndRemainder(dividingBy: outerShape[axis])
            }
            for row in range {
                var position = offset
                for axis in 0..<index.count { position += index[axis] * outerStrides[axis] }
                let written = row * innerSize
                for inner in 0..<innerSize { target.base[written &+ inner] = source.base[position &+ inner &* innerStride] }
                var axis = index.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < outerShape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}
