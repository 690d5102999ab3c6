import COpenBLAS

/// How a rank-2 view can be handed to BLAS without a copy: row-major with a leading dimension, or transposed.
private struct GEMMOperand {
    let pointer: UnsafeMutablePointer<Float>
    let transpose: CBLAS_TRANSPOSE
    let leadingDimension: Int32
    /// The dense copy made when the view's strides suit neither layout; held until the call returns.
    let copy: Tensor?

    /// Uses the view's strides directly when one axis is dense; otherwise copies.
    init(_ matrix: Tensor, transposed: Bool) {
        precondition(matrix.rank == 2, "GEMM operand must be rank 2, got shape \(matrix.shape)")
        let (rowStride, columnStride) = (matrix.strides[0], matrix.strides[1])
        let rows = matrix.shape[0], columns = matrix.shape[1]
        if columnStride == 1 && rowStride >= max(columns, 1) {
            (pointer, copy) = (matrix.pointer, nil)
            transpose = transposed ? CblasTrans : CblasNoTrans
            leadingDimension = Int32(rowStride)
        } else if rowStride == 1 && columnStride >= max(rows, 1) {
            // A column-major view is the row-major transpose of a dense matrix.
            (pointer, copy) = (matrix.pointer, nil)
            transpose = transposed ? CblasNoTrans : CblasTrans
            leadingDimension = Int32(columnStride)
        } else {
            let dense = matrix.copy()
            (pointer, copy) = (dense.pointer, dense)
            transpose = transposed ? CblasTrans : CblasNoTrans
            leadingDimension = Int32(max(columns, 1))
        }
    }
}

extension Tensor {
    /// Matrix product of rank-2 tensors, optionally transposing either operand: op(self) · op(other).
    /// BLAS sgemm does the work; transposed views are passed as such, without copies.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul takes rank-2 tensors, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let otherK = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == otherK, "matmul: inner dimensions differ (\(shape) and \(other.shape))")
        let result = Tensor(unfilled: [m, n])
        Tensor.gemm(self, transposeA: transposeSelf, other, transposeB: transposeOther,
                    into: result.pointer, m: m, n: n, k: k, alpha: 1, beta: 0)
        return result
    }

    /// Batched matrix product of rank-3 tensors [B, M, K] · [B, K, N] (either operand may have batch 1, broadcast).
    public func batchedMatmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 3 && other.rank == 3, "batchedMatmul takes rank-3 tensors, got \(shape) and \(other.shape)")
        let batch = Swift.max(shape[0], other.shape[0])
        precondition((shape[0] == batch || shape[0] == 1) && (other.shape[0] == batch || other.shape[0] == 1),
                     "batchedMatmul: batch sizes \(shape[0]) and \(other.shape[0]) do not broadcast")
        let m = transposeSelf ? shape[2] : shape[1]
        let k = transposeSelf ? shape[1] : shape[2]
        let n = transposeOther ? other.shape[1] : other.shape[2]
        precondition(k == (transposeOther ? other.shape[2] : other.shape[1]),
                     "batchedMatmul: inner dimensions differ (\(shape) and \(other.shape))")
        let result = Tensor(unfilled: [batch, m, n])
        for index in 0..<batch {
            let a = selecting(axis: 0, index: shape[0] == 1 ? 0 : index)
            let b = other.selecting(axis: 0, index: other.shape[0] == 1 ? 0 : index)
            Tensor.gemm(a, transposeA: transposeSelf, b, transposeB: transposeOther,
                        into: result.pointer + index * m * n, m: m, n: n, k: k, alpha: 1, beta: 0)
        }
        return result
    }

    /// `torch.nn.functional.linear`: self [..., in] · weightᵀ [out, in] (+ bias [out]) → [..., out].
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 2 && shape.last == weight.shape[1],
                     "linear: input \(shape) does not match weight \(weight.shape)")
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        let rows = count / Swift.max(inFeatures, 1)
        let input = contiguous().reshaped([rows, inFeatures])
        let result = Tensor(unfilled: Array(shape.dropLast()) + [outFeatures])
        if let bias {
            precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) does not match \(outFeatures) outputs")
            let biasValues = bias.contiguous()
            for row in 0..<rows {
                (result.pointer + row * outFeatures).update(from: biasValues.pointer, count: outFeatures)
            }
        }
        Tensor.gemm(input, transposeA: false, weight, transposeB: true, into: result.pointer,
                    m: rows, n: outFeatures, k: inFeatures, alpha: 1, beta: bias == nil ? 0 : 1)
        return result
    }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, with C dense row-major at `output`.
    static func gemm(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool,
                     into output: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, alpha: Float, beta: Float) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { output.update(repeating: 0, count: m * n) }
            return
        }
        let operandA = GEMMOperand(a, transposed: transposeA)
        let operandB = GEMMOperand(b, transposed: transposeB)
        FLOPCounter.addMatrixProduct(m: m, n: n, k: k)
        BLASKernels.prepare()
        cblas_sgemm(CblasRowMajor, operandA.transpose, operandB.transpose, Int32(m), Int32(n), Int32(k),
                    alpha, operandA.pointer, operandA.leadingDimension, operandB.pointer, operandB.leadingDimension,
                    beta, output, Int32(n))
        withExtendedLifetime((operandA, operandB)) {}
    }
}
