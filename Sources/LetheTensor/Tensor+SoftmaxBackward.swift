extension Tensor {
    /// Softmax backward in place over the last axis: self holds dL/dP on entry and dL/dS on return, where
    /// P = softmax(scale·S) is `probabilities` (same shape; rows complete): dS = scale·P∘(dP − Σ_row P∘dP).
    /// Row-local; rows are split over the processor's cores as in `softmaxInPlace`.
    public func softmaxBackwardInPlace(probabilities: Tensor, scale: Float = 1, parallel: Bool = true) {
        precondition(probabilities.shape == shape,
                     "softmaxBackwardInPlace: probabilities \(probabilities.shape) do not match gradient \(shape)")
        guard isContiguous else {
            let dense = copy()
            dense.softmaxBackwardInPlace(probabilities: probabilities, scale: scale, parallel: parallel)
            assignStrided(dense)
            return
        }
        let dense = probabilities.contiguous()
        let width = shape.last ?? 1
        let rows = width == 0 ? 0 : count / width
        // Workers write disjoint rows of this tensor's storage.
        let workers = parallel ? Tensor.workerCount(count: count, grain: 1 << 16) : 1
        Tensor.forEachRange(count: rows, workers: workers) { _, range in
            Tensor.softmaxBackwardRows(self.pointer, probabilities: dense.pointer, rows: range, width: width, scale: scale)
        }
    }

    private static func softmaxBackwardRows(_ gradients: UnsafeMutablePointer<Float>,
                                            probabilities: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int,
                                            scale: Float) {
        for row in rows {
            let g = gradients + row * width, p = probabilities + row * width
            let dot = dotProduct(p, g, count: width)
            for column in 0..<width { g[column] = scale * p[column] * (g[column] - dot) }
        }
    }

    /// Σ a·b over `count` values, eight lanes at a time.
    private static func dotProduct(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        var lanes = SIMD8<Float>(repeating: 0)
        var index = 0
        while index + 8 <= count {
            lanes += rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            index += 8
        }
        var total = lanes.sum()
        while index < count {
            total += a[index] * b[index]
            index += 1
        }
        return total
    }
}
