extension Tensor {
    /// op(self) · op(other) written into `result` [m, n], a contiguous tensor (e.g. a row range of a larger one):
    /// the product of `matmul` without allocating, for loops that reuse one buffer. With `adding`, the product is
    /// added to what `result` holds (sgemm's beta = 1), as a sum over blocks wants without a scratch buffer.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false, into result: Tensor,
                       adding: Bool = false) {
        precondition(rank == 2 && other.rank == 2 && result.rank == 2,
                     "matmul(into:) takes rank-2 tensors, got \(shape), \(other.shape) → \(result.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == (transposeOther ? other.shape[1] : other.shape[0]),
                     "matmul(into:): inner dimensions differ (\(shape) and \(other.shape))")
        precondition(result.shape == [m, n] && result.isContiguous,
                     "matmul(into:): result must be a contiguous [\(m), \(n)] tensor, got \(result.shape)")
        Tensor.gemm(self, transposeA: transposeSelf, other, transposeB: transposeOther,
                    into: result.pointer, m: m, n: n, k: k, alpha: 1, beta: adding ? 1 : 0)
    }
}
