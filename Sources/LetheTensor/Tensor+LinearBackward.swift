extension Tensor {
    /// Backward of `input.linear(weight:bias:)` (y = x·Wᵀ + b, x [..., in], W [out, in]); self is dL/dy [..., out].
    /// Accumulates dW += dyᵀ·x and db += Σ dy; returns dL/dx (nil when `computeInputGradient` is false).
    ///
    /// Both products are single sgemm calls on the flattened rows, the weight gradient with beta = 1 straight into
    /// its target and the weight read as is (no transposed copy).
    public func linearBackward(input: Tensor, weight: Tensor, weightGradient: Tensor?, biasGradient: Tensor?,
                               computeInputGradient: Bool = true) -> Tensor? {
        precondition(weight.rank == 2, "linearBackward: weight must be [out, in], got \(weight.shape)")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        precondition(input.rank >= 1 && input.shape.last == inFeatures,
                     "linearBackward: input \(input.shape) does not match weight \(weight.shape)")
        precondition(shape == Array(input.shape.dropLast()) + [outFeatures],
                     "linearBackward: output gradient \(shape) does not match input \(input.shape) and weight \(weight.shape)")
        let rows = input.shape.dropLast().reduce(1, *)
        // Rank-2 views go to BLAS with their strides; higher ranks are flattened (a copy only if strided).
        let outputGradient = rank == 2 ? self : reshaped([rows, outFeatures])
        if let weightGradient {
            precondition(weightGradient.shape == weight.shape,
                         "linearBackward: weight gradient \(weightGradient.shape) does not match weight \(weight.shape)")
            let flatInput = input.rank == 2 ? input : input.reshaped([rows, inFeatures])
            weightGradient.accumulating { target in
                Tensor.gemm(outputGradient, transposeA: true, flatInput, transposeB: false, into: target,
                            m: outFeatures, n: inFeatures, k: rows, alpha: 1, beta: 1)
            }
        }
        if let biasGradient {
            precondition(biasGradient.count == outFeatures,
                         "linearBackward: bias gradient \(biasGradient.shape) does not match \(outFeatures) outputs")
            biasGradient.accumulate(columnSums: outputGradient.contiguous(), rows: rows, columns: outFeatures)
        }
        guard computeInputGradient else { return nil }
        let result = Tensor(unfilled: input.shape)
        Tensor.gemm(outputGradient, transposeA: false, weight, transposeB: false, into: result.pointer,
                    m: rows, n: inFeatures, k: outFeatures, alpha: 1, beta: 0)
        return result
    }

    /// Adds the column sums of a dense [rows, columns] matrix into this target [columns]: eight-lane float32 partial
    /// sums over blocks of 32 rows, added up in float64.
    private func accumulate(columnSums matrix: Tensor, rows: Int, columns: Int) {
        let block = Tensor(zeros: [columns])
        withZeroedDoubles(count: columns) { sums in
            let base = matrix.pointer, partial = block.pointer
            for firstRow in stride(from: 0, to: rows, by: 32) {
                for row in firstRow..<Swift.min(firstRow + 32, rows) {
                    let line = base + row * columns
                    for column in stride(from: 0, to: columns, by: 8) {
                        let lanes = Swift.min(8, columns - column)
                        Tensor.store(Tensor.load(partial + column, lanes: lanes) + Tensor.load(line + column, lanes: lanes),
                                     to: partial + column, lanes: lanes)
                    }
                }
                for column in 0..<columns { sums[column] += Double(partial[column]) }
                partial.update(repeating: 0, count: columns)
            }
            accumulate(sums)
        }
    }
}
