// Helpers shared by the backward kernels for adding into caller-owned gradient targets.

extension Tensor {
    /// Runs `body` with a dense pointer to this gradient target's elements, for it to add into. A strided view is
    /// copied first and written back afterwards, so targets of any layout accumulate correctly.
    func accumulating(_ body: (UnsafeMutablePointer<Float>) -> Void) {
        if isContiguous {
            body(pointer)
            return
        }
        let dense = copy()
        body(dense.pointer)
        assignStrided(dense)
    }

    /// Adds float64 sums (one per element of this target, in row-major order) into this gradient target.
    func accumulate(_ sums: UnsafeMutableBufferPointer<Double>) {
        precondition(sums.count == count, "accumulate: \(sums.count) sums for a target of shape \(shape)")
        accumulating { target in
            for index in 0..<sums.count { target[index] += Float(sums[index]) }
        }
    }
}

extension Tensor {
    /// Σ of `count` floats: eight-lane float32 partial sums over blocks of 64 values, added up in float64.
    static func sum(_ values: UnsafeMutablePointer<Float>, count: Int) -> Double {
        var total = 0.0
        let whole = count / 8 * 8
        var index = 0
        while index < whole {
            let blockEnd = Swift.min(index + 64, whole)
            var lanes = SIMD8<Float>.zero
            while index < blockEnd {
                lanes += load(values + index)
                index += 8
            }
            total += Double(lanes.sum())
        }
        while index < count {
            total += Double(values[index])
            index += 1
        }
        return total
    }
}

/// A zero-filled float64 scratch buffer of `count` elements, freed when `body` returns.
func withZeroedDoubles<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(count, 1))
    buffer.initialize(repeating: 0)
    defer { buffer.deallocate() }
    return try body(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
}
