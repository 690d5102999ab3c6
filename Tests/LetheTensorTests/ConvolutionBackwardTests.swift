import Testing
import LetheTensor

@Suite struct ConvolutionBackwardTests {
    struct Shape {
        let batch, inChannels, height, width, outChannels, kernel, stride, padding: Int
        var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
        var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    }

    /// torch.nn.functional.conv2d in float64 from its definition (x [N, Cin, H, W], w [Cout, Cin, k, k]).
    static func referenceConvolution(_ x: [Double], _ w: [Double], _ b: [Double]?, _ s: Shape) -> [Double] {
        var y = [Double]()
        for n in 0..<s.batch { for o in 0..<s.outChannels { for oy in 0..<s.outHeight { for ox in 0..<s.outWidth {
            var total = b?[o] ?? 0
            for c in 0..<s.inChannels { for ky in 0..<s.kernel { for kx in 0..<s.kernel {
                let iy = oy * s.stride - s.padding + ky, ix = ox * s.stride - s.padding + kx
                guard iy >= 0 && iy < s.height && ix >= 0 && ix < s.width else { continue }
                total += x[((n * s.inChannels + c) * s.height + iy) * s.width + ix]
                    * w[((o * s.inChannels + c) * s.kernel + ky) * s.kernel + kx]
            } } }
            y.append(total)
        } } } }
        return y
    }

    /// (kernel, stride, padding, height, width, tile elements). Tiles of 1 give one output row per band; 27·6·2
    /// floats give two-row bands (3 input channels × 3×3 kernel, 6 output columns); 1 << 21 gives the whole image.
    @Test(arguments: [(3, 1, 1, 7, 6, 1), (3, 1, 1, 7, 6, 324), (3, 1, 1, 7, 6, 1 << 21), (3, 2, 1, 9, 7, 1),
                      (3, 2, 1, 9, 7, 60), (3, 1, 0, 7, 5, 40), (3, 2, 0, 9, 8, 1 << 21), (1, 1, 0, 5, 7, 1 << 21),
                      (1, 1, 0, 5, 7, 1), (1, 2, 0, 7, 5, 1), (1, 1, 1, 5, 3, 20), (4, 2, 1, 8, 7, 50)])
    func matchesFiniteDifferences(kernel: Int, stride: Int, padding: Int, height: Int, width: Int, tile: Int) throws {
        let s = Shape(batch: 2, inChannels: 3, height: height, width: width, outChannels: 4, kernel: kernel,
                      stride: stride, padding: padding)
        var values = TestValues(seed: UInt64(kernel * 1000 + stride * 100 + padding * 10 + height + tile))
        let input = values.tensor([2, 3, height, width]), weight = values.tensor([4, 3, kernel, kernel])
        let bias = values.tensor([4])
        let outputGradient = values.tensor([2, 4, s.outHeight, s.outWidth])
        let weightGradient = values.tensor([4, 3, kernel, kernel]), biasGradient = values.tensor([4])
        let (weightBefore, biasBefore) = (doubles(weightGradient), doubles(biasGradient))

        let inputGradient = try #require(outputGradient.conv2dBackward(
            input: input, weight: weight, geometry: Conv2DGeometry(stride: stride, padding: padding),
            weightGradient: weightGradient, biasGradient: biasGradient, tileElements: tile))

        let (x, w, b, r) = (doubles(input), doubles(weight), doubles(bias), doubles(outputGradient))
        let loss = { (x: [Double], w: [Double], b: [Double]) in weightedSum(Self.referenceConvolution(x, w, b, s), r) }
        #expect(inputGradient.shape == input.shape)
        #expect(gradientError(inputGradient, centralDifferences(at: x) { loss($0, w, b) }) <= 1e-4)
        #expect(gradientError(increment(of: weightGradient, from: weightBefore),
                              centralDifferences(at: w) { loss(x, $0, b) }) <= 1e-4)
        #expect(gradientError(increment(of: biasGradient, from: biasBefore),
                              centralDifferences(at: b) { loss(x, w, $0) }) <= 1e-4)
    }

    /// (kernel, stride, padding, height, width, channels in, channels out, tile elements) where whole images share
    /// one product, as in the forward pass (`ConvolutionTilingTests.imagesSharingAProduct`): small images with more
    /// channels than positions; the last case's budget (4 × 576 floats against 72 × 16 per image) splits the batch
    /// of 3 into products of 2 images and 1. Each gradient asked for alone is bit for bit the one computed with both.
    @Test(arguments: [(3, 1, 1, 4, 4, 8, 8, 1 << 21), (3, 2, 1, 5, 5, 8, 8, 1 << 21), (3, 1, 0, 5, 6, 8, 8, 1 << 21),
                      (1, 1, 0, 2, 3, 16, 16, 1 << 21), (3, 1, 1, 4, 4, 8, 8, 576)])
    func imagesSharingAProduct(kernel: Int, stride: Int, padding: Int, height: Int, width: Int, inChannels: Int,
                               outChannels: Int, tile: Int) throws {
        let s = Shape(batch: 3, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
                      kernel: kernel, stride: stride, padding: padding)
        var values = TestValues(seed: UInt64(900 + kernel * 100 + stride * 10 + padding + tile))
        let input = values.tensor([3, inChannels, height, width]), weight = values.tensor([outChannels, inChannels, kernel, kernel])
        let outputGradient = values.tensor([3, outChannels, s.outHeight, s.outWidth])
        let geometry = Conv2DGeometry(stride: stride, padding: padding)
        let weightGradient = values.tensor(weight.shape), biasGradient = values.tensor([outChannels])
        let (weightBefore, biasBefore) = (doubles(weightGradient), doubles(biasGradient))
        let inputGradient = try #require(outputGradient.conv2dBackward(
            input: input, weight: weight, geometry: geometry, weightGradient: weightGradient, biasGradient: biasGradient,
            tileElements: tile))

        let (x, w, r) = (doubles(input), doubles(weight), doubles(outputGradient))
        let loss = { (x: [Double], w: [Double]) in weightedSum(Self.referenceConvolution(x, w, nil, s), r) }
        #expect(gradientError(inputGradient, centralDifferences(at: x) { loss($0, w) }) <= 1e-4)
        #expect(gradientError(increment(of: weightGradient, from: weightBefore), centralDifferences(at: w) { loss(x, $0) }) <= 1e-4)
        let channelSums = (0..<outChannels).map { o in
            (0..<3).reduce(0.0) { total, n in
                total + (0..<(s.outHeight * s.outWidth)).reduce(0.0) { $0 + r[(n * outChannels + o) * s.outHeight * s.outWidth + $1] }
            }
        }
        #expect(gradientError(increment(of: biasGradient, from: biasBefore), channelSums) <= 1e-5)

        let weightAlone = Tensor(shape: weight.shape, values: weightBefore.map(Float.init))
        let none = outputGradient.conv2dBackward(input: input, weight: weight, geometry: geometry, weightGradient: weightAlone,
                                                 biasGradient: nil, computeInputGradient: false, tileElements: tile)
        #expect(none == nil)
        #expect(weightAlone.toArray() == weightGradient.toArray())
        let inputAlone = try #require(outputGradient.conv2dBackward(
            input: input, weight: weight, geometry: geometry, weightGradient: nil, biasGradient: nil, tileElements: tile))
        #expect(inputAlone.toArray() == inputGradient.toArray())
    }

    /// Each gradient alone: a nil target or a declined input gradient skips that work and leaves the rest right.
    @Test(arguments: [(3, 1, 1), (1, 1, 0)])
    func computesOnlyWhatIsAsked(kernel: Int, stride: Int, padding: Int) throws {
        let s = Shape(batch: 2, inChannels: 3, height: 5, width: 6, outChannels: 4, kernel: kernel, stride: stride,
                      padding: padding)
        var values = TestValues(seed: UInt64(40 + kernel))
        let input = values.tensor([2, 3, 5, 6]), weight = values.tensor([4, 3, kernel, kernel])
        let outputGradient = values.tensor([2, 4, s.outHeight, s.outWidth])
        let geometry = Conv2DGeometry(stride: stride, padding: padding)
        let (x, w, r) = (doubles(input), doubles(weight), doubles(outputGradient))
        let loss = { (x: [Double], w: [Double]) in weightedSum(Self.referenceConvolution(x, w, nil, s), r) }

        let weightGradient = Tensor(zeros: weight.shape)
        let declined = outputGradient.conv2dBackward(input: input, weight: weight, geometry: geometry,
                                                     weightGradient: weightGradient, biasGradient: nil,
                                                     computeInputGradient: false, tileElements: 30)
        #expect(declined == nil)
        #expect(gradientError(weightGradient, centralDifferences(at: w) { loss(x, $0) }) <= 1e-4)

        let inputGradient = try #require(outputGradient.conv2dBackward(
            input: input, weight: weight, geometry: geometry, weightGradient: nil, biasGradient: nil, tileElements: 30))
        #expect(gradientError(inputGradient, centralDifferences(at: x) { loss($0, w) }) <= 1e-4)
        #expect(doubles(input) == x && doubles(weight) == w && doubles(outputGradient) == r)
    }

    /// dX of a 3×3 stride-1 convolution in the Winograd domain (dY convolved with the turned kernel, padded by
    /// 2 − p), for paddings 0–2, odd sizes, one tile row per band and whole images: against central differences and
    /// within a few times im2col's own rounding; asking for the weight gradient too leaves dX bit for bit the same.
    /// (padding, height, width, output channels, tile elements)
    @Test(arguments: [(1, 7, 6, 4, 1 << 21), (1, 9, 7, 5, 1), (0, 7, 5, 4, 1 << 21), (2, 6, 5, 3, 40),
                      (1, 2, 2, 2, 1 << 21), (1, 12, 11, 48, 1 << 21)])
    func inputGradientInTheWinogradDomain(padding: Int, height: Int, width: Int, outChannels: Int, tile: Int) throws {
        let s = Shape(batch: 2, inChannels: 3, height: height, width: width, outChannels: outChannels, kernel: 3,
                      stride: 1, padding: padding)
        var values = TestValues(seed: UInt64(500 + padding * 100 + height * 10 + outChannels))
        let input = values.tensor([2, 3, height, width]), weight = values.tensor([outChannels, 3, 3, 3])
        let outputGradient = values.tensor([2, outChannels, s.outHeight, s.outWidth])
        let geometry = Conv2DGeometry(stride: 1, padding: padding)
        func inputGradient(_ algorithm: ConvolutionAlgorithm, weightGradient: Tensor?) throws -> Tensor {
            try ConvolutionAlgorithm.$override.withValue(algorithm) {
                try #require(outputGradient.conv2dBackward(input: input, weight: weight, geometry: geometry,
                                                           weightGradient: weightGradient, biasGradient: nil,
                                                           tileElements: tile))
            }
        }
        let weightGradient = Tensor(zeros: weight.shape)
        let winograd = try inputGradient(.winograd, weightGradient: nil)
        let im2col = try inputGradient(.im2col, weightGradient: nil)
        let (x, w, r) = (doubles(input), doubles(weight), doubles(outputGradient))
        let loss = { (x: [Double], w: [Double]) in weightedSum(Self.referenceConvolution(x, w, nil, s), r) }
        let expected = centralDifferences(at: x) { loss($0, w) }
        #expect(winograd.shape == input.shape)
        let (winogradError, im2colError) = (gradientError(winograd, expected), gradientError(im2col, expected))
        #expect(winogradError <= 1e-4)
        #expect(winogradError <= 4 * im2colError + 1e-6, "Winograd \(winogradError), im2col \(im2colError)")
        #expect(try inputGradient(.winograd, weightGradient: weightGradient).toArray() == winograd.toArray())
        #expect(gradientError(weightGradient, centralDifferences(at: w) { loss(x, $0) }) <= 1e-4)
    }

    /// Non-contiguous input, weight and output-gradient views (transposed spatial axes).
    @Test func stridedViews() throws {
        let s = Shape(batch: 2, inChannels: 3, height: 5, width: 6, outChannels: 4, kernel: 3, stride: 1, padding: 1)
        var values = TestValues(seed: 61)
        let input = values.tensor([2, 3, 6, 5]).transposed(2, 3), weight = values.tensor([4, 3, 3, 3]).transposed(2, 3)
        let outputGradient = values.tensor([2, 4, 6, 5]).transposed(2, 3)
        let weightGradient = Tensor(zeros: [4, 3, 3, 3])
        let inputGradient = try #require(outputGradient.conv2dBackward(
            input: input, weight: weight, geometry: Conv2DGeometry(stride: 1, padding: 1), weightGradient: weightGradient,
            biasGradient: nil, tileElements: 50))
        let (x, w, r) = (doubles(input), doubles(weight), doubles(outputGradient))
        let loss = { (x: [Double], w: [Double]) in weightedSum(Self.referenceConvolution(x, w, nil, s), r) }
        #expect(gradientError(inputGradient, centralDifferences(at: x) { loss($0, w) }) <= 1e-4)
        #expect(gradientError(weightGradient, centralDifferences(at: w) { loss(x, $0) }) <= 1e-4)
    }

    /// A band big enough (16 channels × 3×3 × 47·45 positions) for the unfold and fold to be split over cores,
    /// checked at coordinates spread over every channel.
    @Test func largeBandSplitOverCores() throws {
        let s = Shape(batch: 1, inChannels: 16, height: 47, width: 45, outChannels: 2, kernel: 3, stride: 1, padding: 1)
        var values = TestValues(seed: 71)
        let input = values.tensor([1, 16, 47, 45]), weight = values.tensor([2, 16, 3, 3])
        let outputGradient = values.tensor([1, 2, 47, 45])
        let weightGradient = Tensor(zeros: [2, 16, 3, 3]), biasGradient = Tensor(zeros: [2])
        let inputGradient = try #require(outputGradient.conv2dBackward(
            input: input, weight: weight, geometry: Conv2DGeometry(stride: 1, padding: 1), weightGradient: weightGradient,
            biasGradient: biasGradient))
        let (x, w, r) = (doubles(input), doubles(weight), doubles(outputGradient))
        let loss = { (x: [Double], w: [Double]) in weightedSum(Self.referenceConvolution(x, w, nil, s), r) }
        let inputIndices = spreadIndices(61, of: x.count), weightIndices = spreadIndices(37, of: w.count)
        let expectedInput = centralDifferences(at: x, indices: inputIndices) { loss($0, w) }
        #expect(gradientError(inputIndices.map { Double(inputGradient.toArray()[$0]) }, expectedInput) <= 1e-4)
        let expectedWeight = centralDifferences(at: w, indices: weightIndices) { loss(x, $0) }
        #expect(gradientError(weightIndices.map { Double(weightGradient.toArray()[$0]) }, expectedWeight) <= 1e-4)
        let expectedBias = (0..<2).map { o in r[(o * 47 * 45)..<((o + 1) * 47 * 45)].reduce(0, +) }
        #expect(gradientError(biasGradient, expectedBias) <= 1e-4)
    }
}
