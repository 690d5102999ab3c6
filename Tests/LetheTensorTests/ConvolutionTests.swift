import Testing
import LetheTensor

/// Direct float64 convolution, written from the definition of torch.nn.functional.conv2d.
private func referenceConv(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, stride: Int, padding: Int) -> (shape: [Int], values: [Double]) {
    let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (cout, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
    let ho = (h + 2 * padding - kh) / stride + 1, wo = (w + 2 * padding - kw) / stride + 1
    var out = [Double]()
    for b in 0..<n { for o in 0..<cout { for y in 0..<ho { for x in 0..<wo {
        var total = bias.map { Double($0[o]) } ?? 0
        for c in 0..<cin { for i in 0..<kh { for j in 0..<kw {
            let iy = y * stride - padding + i, ix = x * stride - padding + j
            if iy >= 0 && iy < h && ix >= 0 && ix < w { total += Double(input[b, c, iy, ix]) * Double(weight[o, c, i, j]) }
        } } }
        out.append(total)
    } } } }
    return ([n, cout, ho, wo], out)
}

@Suite struct ConvolutionTests {
    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (3, 1, 0), (4, 2, 1)])
    func matchesDirectConvolution(kernel: Int, stride: Int, padding: Int) {
        var values = TestValues(seed: UInt64(kernel * 100 + stride * 10 + padding))
        let input = values.tensor([2, 3, 7, 6]), weight = values.tensor([4, 3, kernel, kernel]), bias = values.tensor([4])
        let output = input.conv2d(weight: weight, bias: bias, geometry: Conv2DGeometry(stride: stride, padding: padding))
        let expected = referenceConv(input, weight, bias, stride: stride, padding: padding)
        #expect(output.shape == expected.shape)
        #expect(maxRelativeError(output.toArray(), expected.values) < 1e-5)
    }

    @Test func withoutBias() {
        var values = TestValues(seed: 11)
        let input = values.tensor([1, 2, 5, 5]), weight = values.tensor([3, 2, 3, 3])
        let output = input.conv2d(weight: weight, bias: nil, geometry: Conv2DGeometry(stride: 1, padding: 1))
        #expect(maxRelativeError(output.toArray(), referenceConv(input, weight, nil, stride: 1, padding: 1).values) < 1e-5)
    }

    @Test func identityKernelCopiesInput() {
        var values = TestValues(seed: 12)
        let input = values.tensor([1, 1, 4, 4])
        let weight = Tensor(shape: [1, 1, 3, 3], values: [0, 0, 0, 0, 1, 0, 0, 0, 0])
        let output = input.conv2d(weight: weight, bias: nil, geometry: Conv2DGeometry(stride: 1, padding: 1))
        #expect(output.toArray() == input.toArray())
    }
}
