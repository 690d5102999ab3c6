import LetheTestSupport
import Testing
import LetheTensor

@Suite struct MatMulIntoTests {
    /// Σ_k a[i, k] · b[k, j] in float64.
    private func reference(_ a: Tensor, _ b: Tensor) -> [Double] {
        var out: [Double] = []
        for i in 0..<a.shape[0] { for j in 0..<b.shape[1] {
            out.append((0..<a.shape[1]).reduce(0.0) { $0 + Double(a[i, $1]) * Double(b[$1, j]) })
        } }
        return out
    }

    @Test func writesIntoARowRangeOfALargerTensor() {
        var values = TestValues(seed: 41)
        let a = values.tensor([3, 5]), b = values.tensor([4, 5])
        let target = Tensor(shape: [6, 4], repeating: 7)
        a.matmul(b, transposeOther: true, into: target.narrowed(axis: 0, start: 2, length: 3))
        let all = target.toArray()
        #expect(Array(all[0..<8]) == Array(repeating: 7, count: 8))
        #expect(Array(all[20..<24]) == Array(repeating: 7, count: 4))
        #expect(RelativeError(Array(all[8..<20]), reference(a, b.transposed(0, 1)),
                              elementwiseFloor: 1).elementwise < 1e-6)
    }

    @Test func transposedSelf() {
        var values = TestValues(seed: 42)
        let a = values.tensor([5, 3]), b = values.tensor([5, 2])
        let result = Tensor(zeros: [3, 2])
        a.matmul(b, transposeSelf: true, into: result)
        #expect(RelativeError(result.toArray(), reference(a.transposed(0, 1), b),
                              elementwiseFloor: 1).elementwise < 1e-6)
    }
}
