import Foundation
import Testing
import LetheTensor

@Suite struct SoftmaxBackwardTests {
    /// softmax(scale · row) of each row of `width` values, in float64.
    static func referenceSoftmax(_ s: [Double], width: Int, scale: Double) -> [Double] {
        var p = [Double]()
        for start in stride(from: 0, to: s.count, by: width) {
            let row = s[start..<(start + width)].map { scale * $0 }
            let maximum = row.max()!
            let exponentials = row.map { Foundation.exp($0 - maximum) }
            let total = exponentials.reduce(0, +)
            p += exponentials.map { $0 / total }
        }
        return p
    }

    /// Rows of 7 and of 37 (past the eight-lane loop), scale ≠ 1 (also negative), and a [2, 64, 1031] tensor large
    /// enough to be split over cores.
    @Test(arguments: [([2, 3, 7], 0.37), ([5, 37], 1.0), ([3, 37], -0.8), ([4, 64, 33], 0.125), ([2, 64, 1031], 0.125)])
    func matchesFiniteDifferences(shape: [Int], scale: Double) {
        var values = TestValues(seed: UInt64(600 + shape.count * 10 + shape.last!))
        let width = shape.last!
        let scores = values.tensor(shape, scale: 4), outputGradient = values.tensor(shape)
        let s = doubles(scores), r = doubles(outputGradient)
        let probabilities = Tensor(shape: shape, values: Self.referenceSoftmax(s, width: width, scale: scale).map(Float.init))
        let gradient = outputGradient.copy()
        gradient.softmaxBackwardInPlace(probabilities: probabilities, scale: Float(scale))
        // Central differences over the first 300 scores suffice (every row is independent).
        let checked = Swift.min(s.count, 300)
        let expected = centralDifferences(at: Array(s[0..<checked])) { head in
            weightedSum(Self.referenceSoftmax(head + s[checked...], width: width, scale: scale), r)
        }
        #expect(gradientError(Array(doubles(gradient)[0..<checked]), expected) <= 1e-4)
        if checked < s.count {
            // The rest against the closed form dS = scale·P∘(dP − Σ P∘dP), in float64.
            let p = Self.referenceSoftmax(s, width: width, scale: scale)
            var closedForm = [Double]()
            for start in stride(from: 0, to: s.count, by: width) {
                let dot = (start..<(start + width)).reduce(0.0) { $0 + p[$1] * r[$1] }
                closedForm += (start..<(start + width)).map { scale * p[$0] * (r[$0] - dot) }
            }
            #expect(gradientError(doubles(gradient), closedForm) <= 1e-4)
        }
    }

    /// A strided gradient view is updated in place through its view.
    @Test func stridedGradientView() {
        var values = TestValues(seed: 650)
        let scores = values.tensor([3, 9], scale: 3)
        let s = doubles(scores)
        let probabilities = Tensor(shape: [3, 9], values: Self.referenceSoftmax(s, width: 9, scale: 0.5).map(Float.init))
        let storage = values.tensor([9, 3])
        let gradient = storage.transposed(0, 1)
        let r = doubles(gradient)
        gradient.softmaxBackwardInPlace(probabilities: probabilities.transposed(0, 1).copy().transposed(0, 1), scale: 0.5)
        let expected = centralDifferences(at: s) { weightedSum(Self.referenceSoftmax($0, width: 9, scale: 0.5), r) }
        #expect(gradientError(doubles(gradient), expected) <= 1e-4)
    }
}
