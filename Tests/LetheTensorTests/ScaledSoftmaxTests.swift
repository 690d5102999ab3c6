import Foundation
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

    @Test(arguments: [Float(1), 0.125, 2.5, -0.5])
    func matchesDefinition(scale: Float) {
        var values = TestValues(seed: 31)
        let scores = values.tensor([3, 4, 9], scale: 6)
        let original = scores.toArray()
        scores.softmaxInPlace(scale: scale)
        #expect(maxRelativeError(scores.toArray(), reference(original, width: 9, scale: Double(scale)), floor: 1e-3) < 1e-5)
    }

    @Test func largeScoresStayFinite() {
        let scores = Tensor(shape: [1, 3], values: [1000, 999, -1000])
        scores.softmaxInPlace(scale: 1)
        let e = Foundation.exp(-1.0)
        #expect(maxRelativeError(scores.toArray(), [1 / (1 + e), e / (1 + e), 0], floor: 1e-6) < 1e-6)
    }

    @Test func unitScaleMatchesSoftmax() {
        var values = TestValues(seed: 32)
        let scores = values.tensor([5, 7], scale: 3)
        let expected = scores.softmax().toArray()
        scores.softmaxInPlace()
        #expect(maxRelativeError(scores.toArray(), expected.map(Double.init), floor: 1e-6) < 1e-6)
    }
}
