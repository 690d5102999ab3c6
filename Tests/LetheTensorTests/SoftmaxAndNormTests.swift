import Foundation
import LetheTestSupport
import Testing
import LetheTensor

@Suite struct SoftmaxAndNormTests {
    @Test func softmaxMatchesFloat64AndSumsToOne() {
        var values = TestValues(seed: 21)
        let logits = values.tensor([3, 7], scale: 5)
        let probabilities = logits.softmax()
        var expected = [Double]()
        for row in 0..<3 {
            let xs = (0..<7).map { Double(logits[row, $0]) }
            let exps = xs.map { Foundation.exp($0) }
            let total = exps.reduce(0, +)
            expected += exps.map { $0 / total }
        }
        #expect(RelativeError(probabilities.toArray(), expected, elementwiseFloor: 1e-7).elementwise < 1e-5)
    }

    @Test func softmaxIsStableForLargeLogits() {
        let probabilities = Tensor(shape: [1, 3], values: [1000, 1000, -1000]).softmax().toArray()
        #expect(probabilities[0] == 0.5 && probabilities[1] == 0.5 && probabilities[2] == 0)
    }

    @Test func layerNormMatchesDefinition() {
        var values = TestValues(seed: 22)
        let input = values.tensor([4, 6], scale: 3), weight = values.tensor([6]), bias = values.tensor([6])
        let output = input.layerNorm(weight: weight, bias: bias, epsilon: 1e-5)
        var expected = [Double]()
        for row in 0..<4 {
            let xs = (0..<6).map { Double(input[row, $0]) }
            let mean = xs.reduce(0, +) / 6
            let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            for column in 0..<6 {
                expected.append((xs[column] - mean) / (variance + 1e-5).squareRoot() * Double(weight[column]) + Double(bias[column]))
            }
        }
        #expect(RelativeError(output.toArray(), expected, elementwiseFloor: 1).elementwise < 1e-5)
    }

    @Test func groupNormMatchesDefinition() {
        var values = TestValues(seed: 23)
        let (n, c, h, w, groups) = (2, 6, 3, 2, 3)
        let input = values.tensor([n, c, h, w], scale: 2), weight = values.tensor([c]), bias = values.tensor([c])
        let output = input.groupNorm(groups: groups, weight: weight, bias: bias, epsilon: 1e-6)
        var expected = [Double](repeating: 0, count: n * c * h * w)
        let perGroup = c / groups
        for b in 0..<n {
            for g in 0..<groups {
                var xs = [Double]()
                for ch in g * perGroup..<(g + 1) * perGroup { for y in 0..<h { for x in 0..<w { xs.append(Double(input[b, ch, y, x])) } } }
                let mean = xs.reduce(0, +) / Double(xs.count)
                let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
                for ch in g * perGroup..<(g + 1) * perGroup { for y in 0..<h { for x in 0..<w {
                    let index = ((b * c + ch) * h + y) * w + x
                    expected[index] = (Double(input[b, ch, y, x]) - mean) / (variance + 1e-6).squareRoot() * Double(weight[ch]) + Double(bias[ch])
                } } }
            }
        }
        #expect(RelativeError(output.toArray(), expected, elementwiseFloor: 1).elementwise < 1e-5)
    }
}
