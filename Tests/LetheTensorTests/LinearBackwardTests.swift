import Testing
import LetheTensor

@Suite struct LinearBackwardTests {
    /// y[r, o] = Σᵢ x[r, i]·W[o, i] + b[o], in float64 from the definition.
    static func referenceLinear(_ x: [Double], _ w: [Double], _ b: [Double]?, inFeatures: Int, outFeatures: Int) -> [Double] {
        let rows = x.count / inFeatures
        var y = [Double]()
        for row in 0..<rows {
            for output in 0..<outFeatures {
                var total = b?[output] ?? 0
                for input in 0..<inFeatures { total += x[row * inFeatures + input] * w[output * inFeatures + input] }
                y.append(total)
            }
        }
        return y
    }

    /// (input shape, with bias, outputs): 2-D and 3-D inputs, 7 inputs → 5 outputs; 74 rows → 13 outputs sums the
    /// bias gradient over several blocks of rows and a partial eight-lane group of columns.
    @Test(arguments: [([3, 7], true, 5), ([3, 7], false, 5), ([2, 3, 7], true, 5), ([2, 3, 7], false, 5),
                      ([2, 37, 7], true, 13)])
    func matchesFiniteDifferences(inputShape: [Int], withBias: Bool, outFeatures: Int) throws {
        var values = TestValues(seed: UInt64(inputShape.count * 10 + (withBias ? 1 : 0) + outFeatures * 100))
        let inFeatures = 7
        let input = values.tensor(inputShape), weight = values.tensor([outFeatures, inFeatures])
        let bias = withBias ? values.tensor([outFeatures]) : nil
        let outputGradient = values.tensor(Array(inputShape.dropLast()) + [outFeatures])
        let weightGradient = values.tensor([outFeatures, inFeatures]), biasGradient = values.tensor([outFeatures])
        let (weightBefore, biasBefore) = (doubles(weightGradient), doubles(biasGradient))

        let inputGradient = outputGradient.linearBackward(input: input, weight: weight, weightGradient: weightGradient,
                                                          biasGradient: withBias ? biasGradient : nil)

        let (x, w, b, r) = (doubles(input), doubles(weight), bias.map(doubles), doubles(outputGradient))
        let loss = { (x: [Double], w: [Double], b: [Double]?) in
            weightedSum(Self.referenceLinear(x, w, b, inFeatures: inFeatures, outFeatures: outFeatures), r)
        }
        let gradient = try #require(inputGradient)
        #expect(gradient.shape == inputShape)
        #expect(gradientError(gradient, centralDifferences(at: x) { loss($0, w, b) }) <= 1e-4)
        #expect(gradientError(increment(of: weightGradient, from: weightBefore),
                              centralDifferences(at: w) { loss(x, $0, b) }) <= 1e-4)
        if let b {
            #expect(gradientError(increment(of: biasGradient, from: biasBefore),
                                  centralDifferences(at: b) { loss(x, w, $0) }) <= 1e-4)
        } else {
            #expect(doubles(biasGradient) == biasBefore)
        }
    }

    @Test func skipsWhatIsNotAsked() {
        var values = TestValues(seed: 5)
        let input = values.tensor([2, 3, 7]), weight = values.tensor([5, 7]), outputGradient = values.tensor([2, 3, 5])
        let biasGradient = values.tensor([5])
        let before = doubles(biasGradient)
        let result = outputGradient.linearBackward(input: input, weight: weight, weightGradient: nil,
                                                   biasGradient: biasGradient, computeInputGradient: false)
        #expect(result == nil)
        let r = doubles(outputGradient)
        let expected = (0..<5).map { o in (0..<6).reduce(0.0) { $0 + r[$1 * 5 + o] } }
        #expect(gradientError(increment(of: biasGradient, from: before), expected) <= 1e-6)
    }

    /// Transposed views for the output gradient, input, weight and weight-gradient target.
    @Test func stridedViews() throws {
        var values = TestValues(seed: 9)
        let input = values.tensor([7, 3]).transposed(0, 1), weight = values.tensor([7, 5]).transposed(0, 1)
        let outputGradient = values.tensor([5, 3]).transposed(0, 1)
        let weightGradientStorage = values.tensor([7, 5])
        let weightGradient = weightGradientStorage.transposed(0, 1)
        let before = doubles(weightGradient)

        let inputGradient = try #require(outputGradient.linearBackward(
            input: input, weight: weight, weightGradient: weightGradient, biasGradient: nil))

        let (x, w, r) = (doubles(input), doubles(weight), doubles(outputGradient))
        let loss = { (x: [Double], w: [Double]) in
            weightedSum(Self.referenceLinear(x, w, nil, inFeatures: 7, outFeatures: 5), r)
        }
        #expect(inputGradient.isContiguous && inputGradient.shape == [3, 7])
        #expect(gradientError(inputGradient, centralDifferences(at: x) { loss($0, w) }) <= 1e-4)
        #expect(gradientError(increment(of: weightGradient, from: before), centralDifferences(at: w) { loss(x, $0) }) <= 1e-4)
    }
}
