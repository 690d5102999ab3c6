import Foundation
import Testing
import LetheTensor

@Suite struct ActivationBackwardTests {
    enum Activation: String, CaseIterable, CustomTestStringConvertible {
        case silu, sigmoid, gelu, geluTanh, quickGelu
        var testDescription: String { rawValue }

        /// The activation in float64, from its definition.
        func reference(_ x: Double) -> Double {
            switch self {
            case .silu: x / (1 + Foundation.exp(-x))
            case .sigmoid: 1 / (1 + Foundation.exp(-x))
            case .gelu: 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
            case .geluTanh: 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
            case .quickGelu: x / (1 + Foundation.exp(-1.702 * x))
            }
        }

        func backward(_ outputGradient: Tensor, input: Tensor) -> Tensor {
            switch self {
            case .silu: outputGradient.siluBackward(input: input)
            case .sigmoid: outputGradient.sigmoidBackward(input: input)
            case .gelu: outputGradient.geluBackward(input: input)
            case .geluTanh: outputGradient.geluTanhBackward(input: input)
            case .quickGelu: outputGradient.quickGeluBackward(input: input)
            }
        }
    }

    /// Inputs over [-5, 5) on [3, 5, 7], and a transposed view of them.
    @Test(arguments: Activation.allCases)
    func matchesFiniteDifferences(activation: Activation) {
        var values = TestValues(seed: 400)
        let input = values.tensor([3, 5, 7], scale: 5), outputGradient = values.tensor([3, 5, 7])
        for (x, dy) in [(input, outputGradient), (input.transposed(0, 2), outputGradient.transposed(0, 2))] {
            let gradient = activation.backward(dy, input: x)
            let r = doubles(dy)
            let expected = centralDifferences(at: doubles(x)) { point in weightedSum(point.map(activation.reference), r) }
            #expect(gradient.shape == x.shape && gradient.isContiguous)
            #expect(gradientError(gradient, expected) <= 1e-4)
        }
    }

    /// value · gelu(gate) on [3, 2·5] (value half first), and on a 3-D input.
    @Test(arguments: [[3, 10], [2, 3, 6]])
    func gegluMatchesFiniteDifferences(inputShape: [Int]) {
        var values = TestValues(seed: UInt64(500 + inputShape.count))
        let width = inputShape.last! / 2
        let input = values.tensor(inputShape, scale: 3), outputGradient = values.tensor(Array(inputShape.dropLast()) + [width])
        let gradient = outputGradient.gegluBackward(input: input)
        let r = doubles(outputGradient)
        let expected = centralDifferences(at: doubles(input)) { x in
            var y = [Double]()
            for start in stride(from: 0, to: x.count, by: 2 * width) {
                for column in 0..<width {
                    y.append(x[start + column] * Activation.gelu.reference(x[start + width + column]))
                }
            }
            return weightedSum(y, r)
        }
        #expect(gradient.shape == inputShape)
        #expect(gradientError(gradient, expected) <= 1e-4)
    }

    /// 150 003 elements (split over cores, each part ending in a partial eight-lane block) and extreme inputs, against
    /// per-element central differences of the float64 activation.
    @Test(arguments: Activation.allCases)
    func largeAndExtremeInputs(activation: Activation) {
        var values = TestValues(seed: 410)
        let extremes: [Float] = [-40, -17, -9, -5.5, 5.5, 9, 17, 40]
        let input = Tensor(shape: [3, 50001], values: extremes + (extremes.count..<150_003).map { _ in values.next() * 8 })
        let outputGradient = values.tensor([3, 50001])
        let gradient = activation.backward(outputGradient, input: input)
        let step = 1e-5
        let expected = zip(doubles(input), doubles(outputGradient)).map { x, r in
            r * (activation.reference(x + step) - activation.reference(x - step)) / (2 * step)
        }
        #expect(gradientError(gradient, expected) <= 1e-4)
        #expect(gradient.toArray().allSatisfy { $0.isFinite })
    }

    /// [257, 2·260]: rows split over cores, rows ending in a partial eight-lane block, gates up to ±6.
    @Test func gegluLargeSplitOverCores() {
        var values = TestValues(seed: 510)
        let (rows, width) = (257, 260)
        let input = values.tensor([rows, 2 * width], scale: 6), outputGradient = values.tensor([rows, width])
        let gradient = outputGradient.gegluBackward(input: input).toArray()
        let (x, r) = (doubles(input), doubles(outputGradient))
        let step = 1e-5
        var expected = [Double](), actual = [Double]()
        for row in 0..<rows {
            for column in 0..<width {
                let (value, gate) = (x[row * 2 * width + column], x[row * 2 * width + width + column])
                let dy = r[row * width + column]
                let gelu = Activation.gelu.reference
                expected.append(dy * ((value + step) * gelu(gate) - (value - step) * gelu(gate)) / (2 * step))
                expected.append(dy * value * (gelu(gate + step) - gelu(gate - step)) / (2 * step))
                actual.append(Double(gradient[row * 2 * width + column]))
                actual.append(Double(gradient[row * 2 * width + width + column]))
            }
        }
        #expect(gradientError(actual, expected) <= 1e-4)
    }
}
