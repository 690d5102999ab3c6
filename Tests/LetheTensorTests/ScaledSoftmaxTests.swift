import Foundation
import LetheTestSupport
import Testing
import LetheTensor

@Suite struct ScaledSoftmaxTests {
    /// softmax(scale · row) in float64, straight from the definition.
    private func reference(_ values: [Float], width: Int, scale: Double) -> [Double] {
        stride(from: 0, to: values.count, by: width).flatMap { start -> [Double] in
            let row = values[start..<start + width].map { Double($0) * scale }
            let exps = row.map { Foundation.exp($0) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
    }

    @Test(arguments: [Float(1), 0.125, 2.5, -0.5], [false, true])
    func matchesDefinition(scale: Float, portable: Bool) {
        VectorKernels.$portable.withValue(portable) { matchesDefinition(scale: scale) }
    }

    private func matchesDefinition(scale: Float) {
        var values = TestValues(seed: 31)
        let scores = values.tensor([3, 4, 9], scale: 6)
        let original = scores.toArray()
        scores.softmaxInPlace(scale: scale)
        #expect(RelativeError(scores.toArray(), reference(original, width: 9, scale: Double(scale)),
                              elementwiseFloor: 1e-3).elementwise < 1e-5)
    }

    @Test(arguments: [false, true]) func largeScoresStayFinite(portable: Bool) {
        VectorKernels.$portable.withValue(portable) { largeScoresStayFinite() }
    }

    private func largeScoresStayFinite() {
        let scores = Tensor(shape: [1, 3], values: [1000, 999, -1000])
        scores.softmaxInPlace(scale: 1)
        let e = Foundation.exp(-1.0)
        #expect(RelativeError(scores.toArray(), [1 / (1 + e), e / (1 + e), 0],
                              elementwiseFloor: 1e-6).elementwise < 1e-6)
    }

    @Test(arguments: [false, true]) func unitScaleMatchesSoftmax(portable: Bool) {
        VectorKernels.$portable.withValue(portable) { unitScaleMatchesSoftmax() }
    }

    private func unitScaleMatchesSoftmax() {
        var values = TestValues(seed: 32)
        let scores = values.tensor([5, 7], scale: 3)
        let expected = scores.softmax().toArray()
        scores.softmaxInPlace()
        #expect(RelativeError(scores.toArray(), expected.map(Double.init), elementwiseFloor: 1e-6).elementwise < 1e-6)
    }
}

/// Each check runs on both kernel paths: the AVX2/FMA one (where this CPU has it) and the portable Swift loops.
@Suite struct SoftmaxExponentialAccuracyTests {
    /// Softmax of [x, 0]: the first probability is 1/(1 + e^(−x)), so it checks exp over the float range: relative
    /// error within a few float32 roundings of the exponent for probabilities above 1e-7, absolute below; values
    /// under 2^−126 flush to 0.
    @Test(arguments: [false, true]) func exponentialAcrossTheRange(portable: Bool) {
        VectorKernels.$portable.withValue(portable) { exponentialAcrossTheRange() }
    }

    private func exponentialAcrossTheRange() {
        var worstRelative = 0.0, worstAbsolute = 0.0
        var x: Float = -100
        while x <= 100 {
            let scores = Tensor(shape: [1, 2], values: [x, 0])
            scores.softmaxInPlace()
            let expected = 1 / (1 + Foundation.exp(-Double(x)))
            let error = abs(Double(scores[0, 0]) - expected)
            if expected > 1e-7 { worstRelative = max(worstRelative, error / expected) } else { worstAbsolute = max(worstAbsolute, error) }
            x += 0.0137
        }
        #expect(worstRelative < 2e-6)
        #expect(worstAbsolute < 1e-12)
        let tiny = Tensor(shape: [1, 2], values: [-100, 0])
        tiny.softmaxInPlace()
        #expect(tiny[0, 0] < 2e-38 && tiny[0, 1] == 1)
    }

    /// Probabilities near the top of a row, those that carry attention, are accurate to a few ulp.
    @Test(arguments: [false, true]) func accurateNearTheMaximum(portable: Bool) {
        VectorKernels.$portable.withValue(portable) { accurateNearTheMaximum() }
    }

    private func accurateNearTheMaximum() {
        var worst = 0.0
        var x: Float = -12
        while x <= 12 {
            let scores = Tensor(shape: [1, 2], values: [x, 0])
            scores.softmaxInPlace()
            let expected = 1 / (1 + Foundation.exp(-Double(x)))
            worst = max(worst, abs(Double(scores[0, 0]) - expected) / expected)
            x += 0.00731
        }
        #expect(worst < 1e-6)
    }

    /// Long rows exercise the eight-lane loop and its tail; split over cores when large.
    @Test(arguments: [7, 8, 9, 77, 4099], [false, true])
    func longRows(width: Int, portable: Bool) {
        VectorKernels.$portable.withValue(portable) { longRows(width: width) }
    }

    private func longRows(width: Int) {
        var values = TestValues(seed: UInt64(width))
        let scores = values.tensor([40, width], scale: 8)
        let original = scores.toArray()
        scores.softmaxInPlace(scale: 0.3)
        var expected: [Double] = []
        for row in 0..<40 {
            let scaled = original[(row * width)..<((row + 1) * width)].map { Double($0) * 0.3 }
            let top = scaled.max()!
            let exps = scaled.map { Foundation.exp($0 - top) }
            let total = exps.reduce(0, +)
            expected += exps.map { $0 / total }
        }
        #expect(RelativeError(scores.toArray(), expected, elementwiseFloor: 1e-6).elementwise < 1e-5)
    }
}

@Suite struct SoftmaxKernelPathTests {
    /// The AVX2 kernel and the portable loops compute the same probabilities but for the rounding of the
    /// polynomial's fused multiply–adds (about 1 ulp per exponential) and the order in which the eight lanes of the
    /// row's total are added (which scales the whole row): within 8 float32 ulp of each other on rows of every tail
    /// length, with the same zeros (exponents below −126) and NaN where a row holds one.
    @Test func pathsAgree() throws {
        try #require(VectorKernels.avx2Available, "this CPU runs only the portable loops")
        var values = TestValues(seed: 77)
        for width in [1, 5, 8, 13, 64, 4096 + 3] {
            let scores = values.tensor([9, width], scale: 20)
            let copy = Tensor(shape: scores.shape, values: scores.toArray())
            scores.softmaxInPlace(scale: 0.7, parallel: false)
            VectorKernels.$portable.withValue(true) { copy.softmaxInPlace(scale: 0.7, parallel: false) }
            for (fast, portable) in zip(scores.toArray(), copy.toArray()) {
                #expect((fast == 0) == (portable == 0))
                #expect(abs(fast - portable) <= 8 * portable.ulp, "width \(width): \(fast) against \(portable)")
            }
        }
        let withNaN = Tensor(shape: [1, 10], values: [1, 2, .nan, 4, 5, 6, 7, 8, 9, 10])
        withNaN.softmaxInPlace()
        #expect(withNaN.toArray()[2].isNaN)
    }
}
