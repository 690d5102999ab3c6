import Testing
import LetheTensor

@Suite struct ResamplingBackwardTests {
    /// Nearest resize of [planes, H, W] to [planes, outH, outW] in float64: output (y, x) copies input
    /// (min(⌊y·H/outH⌋, H − 1), min(⌊x·W/outW⌋, W − 1)) with the ratio taken in float32, as torch's 'nearest' does.
    static func referenceNearest(_ x: [Double], planes: Int, height: Int, width: Int, outHeight: Int, outWidth: Int) -> [Double] {
        func source(_ index: Int, input: Int, output: Int) -> Int {
            min(Int((Float(index) * (Float(input) / Float(output))).rounded(.down)), input - 1)
        }
        var y = [Double]()
        for plane in 0..<planes { for oy in 0..<outHeight { for ox in 0..<outWidth {
            let iy = source(oy, input: height, output: outHeight), ix = source(ox, input: width, output: outWidth)
            y.append(x[(plane * height + iy) * width + ix])
        } } }
        return y
    }

    @Test(arguments: [2, 3, 1])
    func upsampleByFactorMatchesFiniteDifferences(factor: Int) {
        var values = TestValues(seed: UInt64(700 + factor))
        let (height, width) = (3, 5)
        let input = values.tensor([2, 3, height, width])
        let outputGradient = values.tensor([2, 3, height * factor, width * factor])
        let gradient = outputGradient.upsampleNearestBackward(factor: factor)
        let r = doubles(outputGradient)
        let expected = centralDifferences(at: doubles(input)) { x in
            weightedSum(Self.referenceNearest(x, planes: 6, height: height, width: width,
                                              outHeight: height * factor, outWidth: width * factor), r)
        }
        #expect(gradient.shape == input.shape)
        #expect(gradientError(gradient, expected) <= 1e-4)
    }

    /// Odd targets (5×5 → 7×11, shrinking 5 → 3), exact doubling (5×5 → 10×10), and a transposed gradient view.
    @Test(arguments: [(5, 5, 7, 11), (5, 5, 3, 9), (5, 5, 10, 10), (4, 3, 4, 3)])
    func upsampleToSizeMatchesFiniteDifferences(height: Int, width: Int, outHeight: Int, outWidth: Int) {
        var values = TestValues(seed: UInt64(800 + outHeight * 100 + outWidth))
        let input = values.tensor([2, 3, height, width])
        let outputGradient = values.tensor([2, 3, outWidth, outHeight]).transposed(2, 3)
        let gradient = outputGradient.upsampleNearestBackward(inputHeight: height, inputWidth: width)
        let r = doubles(outputGradient)
        let expected = centralDifferences(at: doubles(input)) { x in
            weightedSum(Self.referenceNearest(x, planes: 6, height: height, width: width,
                                              outHeight: outHeight, outWidth: outWidth), r)
        }
        #expect(gradient.shape == input.shape)
        #expect(gradientError(gradient, expected) <= 1e-4)
    }

    /// Embedding backward with repeated indices, added onto a non-zero table gradient.
    @Test func scatterAddRowsMatchesFiniteDifferences() {
        var values = TestValues(seed: 900)
        let (vocabulary, width) = (6, 5)
        let indices = [4, 1, 4, 0, 4, 5]
        let table = values.tensor([vocabulary, width]), rowsGradient = values.tensor([indices.count, width])
        let target = values.tensor([vocabulary, width])
        let before = doubles(target)
        rowsGradient.scatterAddRows(indices, into: target)
        let r = doubles(rowsGradient)
        let expected = centralDifferences(at: doubles(table)) { t in
            weightedSum(indices.flatMap { t[($0 * width)..<(($0 + 1) * width)] }, r)
        }
        #expect(gradientError(increment(of: target, from: before), expected) <= 1e-4)
        #expect(increment(of: target, from: before)[(2 * width)..<(4 * width)].allSatisfy { $0 == 0 })
    }

    /// A strided target (transposed view of its storage) and a strided row gradient.
    @Test func scatterAddRowsIntoStridedTarget() {
        var values = TestValues(seed: 901)
        let storage = values.tensor([3, 4])
        let target = storage.transposed(0, 1)
        let before = doubles(target)
        let rowsGradient = values.tensor([3, 2]).transposed(0, 1)
        rowsGradient.scatterAddRows([2, 2], into: target)
        let r = doubles(rowsGradient)
        var expected = [Double](repeating: 0, count: 12)
        for column in 0..<3 { expected[2 * 3 + column] = r[column] + r[3 + column] }
        #expect(gradientError(increment(of: target, from: before), expected) <= 1e-6)
    }
}
