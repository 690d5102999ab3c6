import Testing
import LetheTensor

@Suite struct NormalizationBackwardTests {
    /// Normalises each consecutive run of `length` values ((x − mean)/√(biased var + eps)) then applies the affine
    /// parameter of each value's channel: channel(i) picks it. Group norm and layer norm in float64.
    static func referenceNormalization(_ x: [Double], length: Int, epsilon: Double, gamma: [Double]?, beta: [Double]?,
                                       channel: (Int) -> Int) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        for start in stride(from: 0, to: x.count, by: length) {
            let run = x[start..<(start + length)]
            let mean = run.reduce(0, +) / Double(length)
            let variance = run.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(length)
            for index in start..<(start + length) {
                let c = channel(index)
                y[index] = (x[index] - mean) / (variance + epsilon).squareRoot() * (gamma?[c] ?? 1) + (beta?[c] ?? 0)
            }
        }
        return y
    }

    /// [2, 6, 3, 5] in 3 groups (and 1 and 6), inputs off-centre so the mean matters.
    @Test(arguments: [(3, true), (1, true), (6, true), (3, false)])
    func groupNormMatchesFiniteDifferences(groups: Int, affine: Bool) {
        let (channels, spatial, epsilon): (Int, Int, Float) = (6, 15, 1e-5)
        var values = TestValues(seed: UInt64(100 + groups))
        let input = values.tensor([2, channels, 3, 5]) + 0.7
        let weight = affine ? values.tensor([channels]) + 1 : nil, bias = affine ? values.tensor([channels]) : nil
        let outputGradient = values.tensor([2, channels, 3, 5])
        let weightGradient = values.tensor([channels]), biasGradient = values.tensor([channels])
        let (weightBefore, biasBefore) = (doubles(weightGradient), doubles(biasGradient))

        let inputGradient = outputGradient.groupNormBackward(input: input, groups: groups, weight: weight, epsilon: epsilon,
                                                             weightGradient: weightGradient, biasGradient: biasGradient)

        let (x, r) = (doubles(input), doubles(outputGradient))
        let (gamma, beta) = (weight.map(doubles), bias.map(doubles))
        let loss = { (x: [Double], gamma: [Double]?, beta: [Double]?) in
            weightedSum(Self.referenceNormalization(x, length: channels / groups * spatial, epsilon: Double(epsilon),
                                                    gamma: gamma, beta: beta, channel: { $0 / spatial % channels }), r)
        }
        #expect(inputGradient.shape == input.shape && inputGradient.isContiguous)
        #expect(gradientError(inputGradient, centralDifferences(at: x) { loss($0, gamma, beta) }) <= 1e-4)
        let ones = [Double](repeating: 1, count: channels), zeros = [Double](repeating: 0, count: channels)
        #expect(gradientError(increment(of: weightGradient, from: weightBefore),
                              centralDifferences(at: gamma ?? ones) { loss(x, $0, beta) }) <= 1e-4)
        #expect(gradientError(increment(of: biasGradient, from: biasBefore),
                              centralDifferences(at: beta ?? zeros) { loss(x, gamma, $0) }) <= 1e-4)
    }

    /// [3, 2, 7] over the last axis, with and without the affine parameters.
    @Test(arguments: [true, false])
    func layerNormMatchesFiniteDifferences(affine: Bool) {
        let (width, epsilon): (Int, Float) = (7, 1e-5)
        var values = TestValues(seed: affine ? 201 : 202)
        let input = values.tensor([3, 2, width]) * 2 + 0.4
        let weight = affine ? values.tensor([width]) + 1 : nil, bias = affine ? values.tensor([width]) : nil
        let outputGradient = values.tensor([3, 2, width])
        let weightGradient = values.tensor([width]), biasGradient = values.tensor([width])
        let (weightBefore, biasBefore) = (doubles(weightGradient), doubles(biasGradient))

        let inputGradient = outputGradient.layerNormBackward(input: input, weight: weight, epsilon: epsilon,
                                                             weightGradient: weightGradient, biasGradient: biasGradient)

        let (x, r) = (doubles(input), doubles(outputGradient))
        let (gamma, beta) = (weight.map(doubles), bias.map(doubles))
        let loss = { (x: [Double], gamma: [Double]?, beta: [Double]?) in
            weightedSum(Self.referenceNormalization(x, length: width, epsilon: Double(epsilon), gamma: gamma, beta: beta,
                                                    channel: { $0 % width }), r)
        }
        #expect(gradientError(inputGradient, centralDifferences(at: x) { loss($0, gamma, beta) }) <= 1e-4)
        let ones = [Double](repeating: 1, count: width), zeros = [Double](repeating: 0, count: width)
        #expect(gradientError(increment(of: weightGradient, from: weightBefore),
                              centralDifferences(at: gamma ?? ones) { loss(x, $0, beta) }) <= 1e-4)
        #expect(gradientError(increment(of: biasGradient, from: biasBefore),
                              centralDifferences(at: beta ?? zeros) { loss(x, gamma, $0) }) <= 1e-4)
    }

    /// Nil targets: the input gradient is the same as with targets, and strided inputs are read correctly.
    @Test func nilTargetsAndStridedViews() {
        var values = TestValues(seed: 300)
        let input = values.tensor([5, 2, 4]).permuted([1, 2, 0]), weight = values.tensor([5]) + 1
        let outputGradient = values.tensor([2, 5, 4]).transposed(1, 2)
        let layerGradient = outputGradient.layerNormBackward(input: input, weight: weight, epsilon: 1e-6,
                                                             weightGradient: nil, biasGradient: nil)
        let (x, r, gamma) = (doubles(input), doubles(outputGradient), doubles(weight))
        let layerLoss = { (x: [Double]) in
            weightedSum(Self.referenceNormalization(x, length: 5, epsilon: 1e-6, gamma: gamma, beta: nil, channel: { $0 % 5 }), r)
        }
        #expect(gradientError(layerGradient, centralDifferences(at: x, layerLoss)) <= 1e-4)

        let image = values.tensor([2, 4, 3, 2]).transposed(2, 3), imageGradient = values.tensor([2, 4, 2, 3])
        let groupWeight = values.tensor([4]) + 1
        let groupGradient = imageGradient.groupNormBackward(input: image, groups: 2, weight: groupWeight, epsilon: 1e-5,
                                                            weightGradient: nil, biasGradient: nil)
        let (xi, ri, gi) = (doubles(image), doubles(imageGradient), doubles(groupWeight))
        let groupLoss = { (x: [Double]) in
            weightedSum(Self.referenceNormalization(x, length: 12, epsilon: 1e-5, gamma: gi, beta: nil,
                                                    channel: { $0 / 6 % 4 }), ri)
        }
        #expect(gradientError(groupGradient, centralDifferences(at: xi, groupLoss)) <= 1e-4)
    }

    /// Large enough to be split over cores: groupNorm [2, 32, 45, 47] in 8 groups, layerNorm [300, 449] (rows
    /// summed in blocks of 32), checked at spread coordinates of x and of the affine parameters.
    @Test func largeSplitOverCores() {
        var values = TestValues(seed: 310)
        do {
            let (channels, spatial) = (32, 45 * 47)
            let input = values.tensor([2, channels, 45, 47]) * 3 + 1.5, outputGradient = values.tensor([2, channels, 45, 47])
            let weight = values.tensor([channels]) + 1, bias = values.tensor([channels])
            let weightGradient = Tensor(zeros: [channels]), biasGradient = Tensor(zeros: [channels])
            let gradient = outputGradient.groupNormBackward(input: input, groups: 8, weight: weight, epsilon: 1e-5,
                                                            weightGradient: weightGradient, biasGradient: biasGradient)
            let (x, r, gamma, beta) = (doubles(input), doubles(outputGradient), doubles(weight), doubles(bias))
            let loss = { (x: [Double], gamma: [Double], beta: [Double]) in
                weightedSum(Self.referenceNormalization(x, length: 4 * spatial, epsilon: 1e-5, gamma: gamma, beta: beta,
                                                        channel: { $0 / spatial % channels }), r)
            }
            let indices = spreadIndices(41, of: x.count), actual = gradient.toArray()
            #expect(gradientError(indices.map { Double(actual[$0]) },
                                  centralDifferences(at: x, indices: indices) { loss($0, gamma, beta) }) <= 1e-4)
            #expect(gradientError(weightGradient, centralDifferences(at: gamma) { loss(x, $0, beta) }) <= 1e-4)
            #expect(gradientError(biasGradient, centralDifferences(at: beta) { loss(x, gamma, $0) }) <= 1e-4)
        }
        do {
            let (rows, width) = (300, 449)
            let input = values.tensor([rows, width]) * 2 + (-0.8), outputGradient = values.tensor([rows, width])
            let weight = values.tensor([width]) + 1, bias = values.tensor([width])
            let weightGradient = values.tensor([width]), biasGradient = values.tensor([width])
            let (weightBefore, biasBefore) = (doubles(weightGradient), doubles(biasGradient))
            let gradient = outputGradient.layerNormBackward(input: input, weight: weight, epsilon: 1e-5,
                                                            weightGradient: weightGradient, biasGradient: biasGradient)
            let (x, r, gamma, beta) = (doubles(input), doubles(outputGradient), doubles(weight), doubles(bias))
            let loss = { (x: [Double], gamma: [Double], beta: [Double]) in
                weightedSum(Self.referenceNormalization(x, length: width, epsilon: 1e-5, gamma: gamma, beta: beta,
                                                        channel: { $0 % width }), r)
            }
            let indices = spreadIndices(41, of: x.count), actual = gradient.toArray()
            #expect(gradientError(indices.map { Double(actual[$0]) },
                                  centralDifferences(at: x, indices: indices) { loss($0, gamma, beta) }) <= 1e-4)
            let columns = spreadIndices(23, of: width)
            let weightIncrement = increment(of: weightGradient, from: weightBefore)
            let biasIncrement = increment(of: biasGradient, from: biasBefore)
            #expect(gradientError(columns.map { weightIncrement[$0] },
                                  centralDifferences(at: gamma, indices: columns) { loss(x, $0, beta) }) <= 1e-4)
            #expect(gradientError(columns.map { biasIncrement[$0] },
                                  centralDifferences(at: beta, indices: columns) { loss(x, gamma, $0) }) <= 1e-4)
        }
    }
}
