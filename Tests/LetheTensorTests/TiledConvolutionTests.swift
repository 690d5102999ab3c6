import Testing
import LetheTensor

@Suite struct TiledConvolutionTests {
    /// Direct float64 convolution from the definition of torch.nn.functional.conv2d.
    private func reference(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, stride: Int, padding: Int) -> [Double] {
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
        return out
    }

    /// (kernel, stride, padding, height, width, tile elements): tiles of one row, a few rows and the whole image.
    @Test(arguments: [(3, 1, 1, 9, 7, 1), (3, 1, 1, 9, 7, 60), (3, 1, 1, 9, 7, 1 << 21), (3, 2, 1, 9, 8, 50),
                      (3, 2, 0, 10, 9, 40), (1, 1, 0, 5, 6, 1), (4, 2, 1, 8, 8, 100), (3, 2, 1, 1, 1, 1),
                      (3, 1, 1, 1, 2, 1), (5, 3, 2, 11, 13, 200)])
    func matchesDirectConvolution(kernel: Int, stride: Int, padding: Int, height: Int, width: Int, tile: Int) {
        var values = TestValues(seed: UInt64(kernel * 1000 + stride * 100 + padding * 10 + height + tile))
        let input = values.tensor([2, 3, height, width]), weight = values.tensor([4, 3, kernel, kernel])
        let bias = values.tensor([4])
        let geometry = Conv2DGeometry(stride: stride, padding: padding)
        let output = input.conv2dTiled(weight: weight, bias: bias, geometry: geometry, tileElements: tile)
        let expectedShape = [2, 4, (height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1]
        #expect(output.shape == expectedShape)
        #expect(maxRelativeError(output.toArray(), reference(input, weight, bias, stride: stride, padding: padding)) < 1e-5)
        let unbiased = input.conv2dTiled(weight: weight, bias: nil, geometry: geometry, tileElements: tile)
        #expect(maxRelativeError(unbiased.toArray(), reference(input, weight, nil, stride: stride, padding: padding)) < 1e-5)
    }

    @Test func stridedInputView() {
        var values = TestValues(seed: 77)
        let base = values.tensor([1, 2, 6, 5])
        let input = base.transposed(2, 3)
        let weight = values.tensor([3, 2, 3, 3])
        let output = input.conv2dTiled(weight: weight, bias: nil, geometry: Conv2DGeometry(stride: 1, padding: 1), tileElements: 30)
        #expect(maxRelativeError(output.toArray(), reference(input.copy(), weight, nil, stride: 1, padding: 1)) < 1e-5)
    }
}
