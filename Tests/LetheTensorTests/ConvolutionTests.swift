import LetheTestSupport
import Testing
import LetheTensor

@Suite struct ConvolutionTests {
    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (3, 1, 0), (4, 2, 1)])
    func matchesDirectConvolution(kernel: Int, stride: Int, padding: Int) {
        var values = TestValues(seed: UInt64(kernel * 100 + stride * 10 + padding))
        let input = values.tensor([2, 3, 7, 6]), weight = values.tensor([4, 3, kernel, kernel]), bias = values.tensor([4])
        let output = input.conv2d(weight: weight, bias: bias, geometry: Conv2DGeometry(stride: stride, padding: padding))
        let expected = referenceConv(input, weight, bias, stride: stride, padding: padding)
        #expect(output.shape == expected.shape)
        #expect(RelativeError(output.toArray(), expected.values, elementwiseFloor: 1).elementwise < 1e-5)
    }

    @Test func withoutBias() {
        var values = TestValues(seed: 11)
        let input = values.tensor([1, 2, 5, 5]), weight = values.tensor([3, 2, 3, 3])
        let output = input.conv2d(weight: weight, bias: nil, geometry: Conv2DGeometry(stride: 1, padding: 1))
        #expect(RelativeError(output.toArray(), referenceConv(input, weight, nil, stride: 1, padding: 1).values,
                              elementwiseFloor: 1).elementwise < 1e-5)
    }

    @Test func identityKernelCopiesInput() {
        var values = TestValues(seed: 12)
        let input = values.tensor([1, 1, 4, 4])
        let weight = Tensor(shape: [1, 1, 3, 3], values: [0, 0, 0, 0, 1, 0, 0, 0, 0])
        let output = input.conv2d(weight: weight, bias: nil, geometry: Conv2DGeometry(stride: 1, padding: 1))
        #expect(output.toArray() == input.toArray())
    }
}
