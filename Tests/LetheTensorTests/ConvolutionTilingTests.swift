import LetheTestSupport
import Testing
import LetheTensor

@Suite struct ConvolutionTilingTests {
    /// (kernel, stride, padding, height, width, tile elements): tiles of one row, a few rows and the whole image.
    @Test(arguments: [(3, 1, 1, 9, 7, 1), (3, 1, 1, 9, 7, 60), (3, 1, 1, 9, 7, 1 << 21), (3, 2, 1, 9, 8, 50),
                      (3, 2, 0, 10, 9, 40), (1, 1, 0, 5, 6, 1), (4, 2, 1, 8, 8, 100), (3, 2, 1, 1, 1, 1),
                      (3, 1, 1, 1, 2, 1), (5, 3, 2, 11, 13, 200)])
    func matchesDirectConvolution(kernel: Int, stride: Int, padding: Int, height: Int, width: Int, tile: Int) {
        var values = TestValues(seed: UInt64(kernel * 1000 + stride * 100 + padding * 10 + height + tile))
        let input = values.tensor([2, 3, height, width]), weight = values.tensor([4, 3, kernel, kernel])
        let bias = values.tensor([4])
        let geometry = Conv2DGeometry(stride: stride, padding: padding)
        let output = input.conv2d(weight: weight, bias: bias, geometry: geometry, tileElements: tile)
        let expectedShape = [2, 4, (height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1]
        #expect(output.shape == expectedShape)
        #expect(RelativeError(output.toArray(), referenceConv(input, weight, bias, stride: stride, padding: padding).values,
                              elementwiseFloor: 1).elementwise < 1e-5)
        let unbiased = input.conv2d(weight: weight, bias: nil, geometry: geometry, tileElements: tile)
        #expect(RelativeError(unbiased.toArray(), referenceConv(input, weight, nil, stride: stride, padding: padding).values,
                              elementwiseFloor: 1).elementwise < 1e-5)
    }

    /// (kernel, stride, padding, height, width, tile elements) where whole images share one product: small images
    /// with more channels than positions, so that sgemm packs the kernel once for several images. 3×3 with padding,
    /// stride or neither, 1×1 (whose images are copied side by side), and a patch budget (4 × 864 floats against
    /// 144 × 12 per image) that splits the batch of 3 into products of 2 images and 1. Every image must come out as
    /// the direct convolution gives it and as it does alone (a batch of one never shares a product).
    @Test(arguments: [(3, 1, 1, 3, 4, 1 << 21), (3, 2, 1, 4, 4, 1 << 21), (3, 1, 0, 4, 5, 1 << 21),
                      (1, 1, 0, 2, 3, 1 << 21), (3, 1, 1, 3, 4, 864)])
    func imagesSharingAProduct(kernel: Int, stride: Int, padding: Int, height: Int, width: Int, tile: Int) {
        var values = TestValues(seed: UInt64(500 + kernel * 100 + stride * 10 + padding + tile))
        let input = values.tensor([3, 16, height, width]), weight = values.tensor([12, 16, kernel, kernel])
        let bias = values.tensor([12])
        let geometry = Conv2DGeometry(stride: stride, padding: padding)
        let output = input.conv2d(weight: weight, bias: bias, geometry: geometry, tileElements: tile)
        #expect(RelativeError(output.toArray(), referenceConv(input, weight, bias, stride: stride, padding: padding).values,
                              elementwiseFloor: 1).elementwise < 1e-5)
        for image in 0..<3 {
            let alone = input.narrowed(axis: 0, start: image, length: 1).conv2d(weight: weight, bias: bias, geometry: geometry,
                                                                                tileElements: tile)
            let shared = output.narrowed(axis: 0, start: image, length: 1).contiguous()
            #expect(RelativeError(shared, alone, elementwiseFloor: 1).elementwise < 1e-6)
        }
        let unbiased = input.conv2d(weight: weight, bias: nil, geometry: geometry, tileElements: tile)
        #expect(RelativeError(unbiased.toArray(), referenceConv(input, weight, nil, stride: stride, padding: padding).values,
                              elementwiseFloor: 1).elementwise < 1e-5)
    }

    /// A strided view (not contiguous) in the regime where images share a product: read through its strides.
    @Test func stridedInputViewSharingAProduct() {
        var values = TestValues(seed: 78)
        let input = values.tensor([3, 16, 5, 4]).transposed(2, 3)
        let weight = values.tensor([12, 16, 3, 3])
        let output = input.conv2d(weight: weight, bias: nil, geometry: Conv2DGeometry(stride: 1, padding: 1))
        #expect(RelativeError(output.toArray(), referenceConv(input.copy(), weight, nil, stride: 1, padding: 1).values,
                              elementwiseFloor: 1).elementwise < 1e-5)
    }

    @Test func stridedInputView() {
        var values = TestValues(seed: 77)
        let base = values.tensor([1, 2, 6, 5])
        let input = base.transposed(2, 3)
        let weight = values.tensor([3, 2, 3, 3])
        let output = input.conv2d(weight: weight, bias: nil, geometry: Conv2DGeometry(stride: 1, padding: 1), tileElements: 30)
        #expect(RelativeError(output.toArray(), referenceConv(input.copy(), weight, nil, stride: 1, padding: 1).values,
                              elementwiseFloor: 1).elementwise < 1e-5)
    }
}
