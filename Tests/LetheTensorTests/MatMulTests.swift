import LetheTestSupport
import Testing
import LetheTensor

/// Naive float64 product of row-major a[m×k] and b[k×n].
private func referenceProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] += Double(a[i * k + p]) * Double(b[p * n + j]) } } }
    return c
}

@Suite struct MatMulTests {
    @Test func smallProductByHand() {
        let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], values: [5, 6, 7, 8])
        #expect(a.matmul(b).toArray() == [19, 22, 43, 50])
    }

    @Test(arguments: [(1, 1, 1), (7, 5, 3), (33, 17, 65), (64, 128, 32)])
    func productMatchesFloat64Reference(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var values = TestValues(seed: UInt64(m * 1000 + k * 10 + n))
        let a = values.tensor([m, k]), b = values.tensor([k, n])
        let expected = referenceProduct(a.toArray(), b.toArray(), m: m, k: k, n: n)
        #expect(RelativeError(a.matmul(b).toArray(), expected, elementwiseFloor: 1).elementwise < 1e-5)
    }

    @Test func transposedOperandsMatchExplicitCopies() {
        var values = TestValues(seed: 3)
        let a = values.tensor([6, 4]), b = values.tensor([5, 6])
        // aᵀ[4×6] · bᵀ[6×5]
        let expected = referenceProduct(a.transposed(0, 1).toArray(), b.transposed(0, 1).toArray(), m: 4, k: 6, n: 5)
        #expect(RelativeError(a.matmul(b, transposeSelf: true, transposeOther: true).toArray(), expected,
                              elementwiseFloor: 1).elementwise < 1e-5)
        // A transposed view passed as a plain operand is read through its strides.
        let viaViews = a.transposed(0, 1).matmul(b.transposed(0, 1))
        #expect(RelativeError(viaViews.toArray(), expected, elementwiseFloor: 1).elementwise < 1e-5)
    }

    @Test func stridedSubmatrixOperand() {
        var values = TestValues(seed: 4)
        let big = values.tensor([6, 8])
        let window = big.narrowed(axis: 1, start: 2, length: 3)  // leading dimension 8, not 3
        let b = values.tensor([3, 2])
        let expected = referenceProduct(window.toArray(), b.toArray(), m: 6, k: 3, n: 2)
        #expect(RelativeError(window.matmul(b).toArray(), expected, elementwiseFloor: 1).elementwise < 1e-5)
    }

    @Test func batchedProductBroadcastsBatchOne() {
        var values = TestValues(seed: 5)
        let a = values.tensor([3, 4, 5]), b = values.tensor([1, 5, 2])
        let result = a.batchedMatmul(b)
        #expect(result.shape == [3, 4, 2])
        for batch in 0..<3 {
            let expected = referenceProduct(a[index: batch].toArray(), b[index: 0].toArray(), m: 4, k: 5, n: 2)
            #expect(RelativeError(result[index: batch].toArray(), expected, elementwiseFloor: 1).elementwise < 1e-5)
        }
    }

    @Test func batchedProductWithTransposedSecondOperand() {
        var values = TestValues(seed: 6)
        let q = values.tensor([2, 3, 4]), k = values.tensor([2, 5, 4])
        let scores = q.batchedMatmul(k, transposeOther: true)
        #expect(scores.shape == [2, 3, 5])
        for batch in 0..<2 {
            let expected = referenceProduct(q[index: batch].toArray(), k[index: batch].transposed(0, 1).toArray(), m: 3, k: 4, n: 5)
            #expect(RelativeError(scores[index: batch].toArray(), expected, elementwiseFloor: 1).elementwise < 1e-5)
        }
    }

    @Test func linearIsInputTimesWeightTransposedPlusBias() {
        var values = TestValues(seed: 7)
        let input = values.tensor([2, 3, 4]), weight = values.tensor([5, 4]), bias = values.tensor([5])
        let output = input.linear(weight: weight, bias: bias)
        #expect(output.shape == [2, 3, 5])
        var expected = referenceProduct(input.toArray(), weight.transposed(0, 1).toArray(), m: 6, k: 4, n: 5)
        for row in 0..<6 { for column in 0..<5 { expected[row * 5 + column] += Double(bias[column]) } }
        #expect(RelativeError(output.toArray(), expected, elementwiseFloor: 1).elementwise < 1e-5)
    }

    @Test func emptyInnerDimensionGivesZeros() {
        let a = Tensor(zeros: [2, 0]), b = Tensor(zeros: [0, 3])
        #expect(a.matmul(b).toArray() == [Float](repeating: 0, count: 6))
    }
}

@Suite struct FLOPCounterTests {
    @Test func countsTwoMNKPerProduct() {
        let a = Tensor(zeros: [3, 5]), b = Tensor(zeros: [5, 7])
        let before = FLOPCounter.count
        _ = a.matmul(b)
        // Other suites run in parallel and count too, so only a lower bound is exact.
        #expect(FLOPCounter.count - before >= 2 * 3 * 5 * 7)
    }
}
