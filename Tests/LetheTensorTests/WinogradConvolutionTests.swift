import LetheTestSupport
import Testing
import LetheTensor

/// 3×3 stride-1 convolutions in the Winograd domain against a float64 direct convolution, beside im2col's error on
/// the same inputs: the transforms may round differently, not worse.
@Suite struct WinogradConvolutionTests {
    /// (batch, in channels, out channels, height, width, padding, tile elements): even and odd sizes (the last tile
    /// row or column half outside the output), no padding and padding 2, one tile row per band and bands spanning
    /// images, and SD-like channel counts.
    @Test(arguments: [(1, 3, 4, 8, 8, 1, 1 << 21), (2, 3, 4, 9, 7, 1, 1 << 21), (2, 5, 3, 7, 10, 0, 1 << 21),
                      (1, 4, 6, 6, 5, 2, 1 << 21), (3, 6, 5, 5, 9, 1, 1), (3, 6, 5, 5, 9, 1, 700),
                      (1, 2, 2, 2, 2, 1, 1 << 21), (1, 2, 3, 4, 3, 0, 1 << 21), (2, 64, 48, 13, 11, 1, 1 << 21),
                      (1, 320, 320, 16, 16, 1, 1 << 21)])
    func matchesDirectConvolution(batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int,
                                  padding: Int, tile: Int) {
        var values = TestValues(seed: UInt64(batch * 100_000 + inChannels * 1000 + height * 10 + padding + tile))
        let input = values.tensor([batch, inChannels, height, width])
        let weight = values.tensor([outChannels, inChannels, 3, 3], scale: 1 / Float(inChannels * 9).squareRoot())
        let bias = values.tensor([outChannels])
        let geometry = Conv2DGeometry(stride: 1, padding: padding)
        let reference = referenceConv(input, weight, bias, stride: 1, padding: padding)
        let winograd = ConvolutionAlgorithm.$override.withValue(.winograd) {
            input.conv2d(weight: weight, bias: bias, geometry: geometry, tileElements: tile)
        }
        let im2col = ConvolutionAlgorithm.$override.withValue(.im2col) {
            input.conv2d(weight: weight, bias: bias, geometry: geometry, tileElements: tile)
        }
        #expect(winograd.shape == reference.shape)
        let winogradError = RelativeError(winograd.toArray(), reference.values)
        let im2colError = RelativeError(im2col.toArray(), reference.values)
        print("Winograd F(2×2, 3×3) \(input.shape) → \(winograd.shape): \(winogradError); im2col: \(im2colError)")
        #expect(winogradError.value < 1e-6, "\(winogradError)")
        // Within a few times im2col's own rounding (both are float32 sums of the same products in another order).
        #expect(winogradError.value <= 4 * im2colError.value + 1e-7, "Winograd \(winogradError), im2col \(im2colError)")
        let unbiased = ConvolutionAlgorithm.$override.withValue(.winograd) {
            input.conv2d(weight: weight, bias: nil, geometry: geometry, tileElements: tile)
        }
        #expect(RelativeError(unbiased.toArray(), referenceConv(input, weight, nil, stride: 1, padding: padding).values)
            .value < 1e-6)
    }

    /// Activations of a UNet's size and spread: values of order 10 after many layers, where float32 rounding in the
    /// transforms would show first.
    @Test func largeActivations() {
        var values = TestValues(seed: 4242)
        let input = values.tensor([1, 128, 24, 24], scale: 30)
        let weight = values.tensor([128, 128, 3, 3], scale: 0.05)
        let geometry = Conv2DGeometry(stride: 1, padding: 1)
        let reference = referenceConv(input, weight, nil, stride: 1, padding: 1)
        let winograd = ConvolutionAlgorithm.$override.withValue(.winograd) {
            input.conv2d(weight: weight, bias: nil, geometry: geometry)
        }
        let im2col = ConvolutionAlgorithm.$override.withValue(.im2col) {
            input.conv2d(weight: weight, bias: nil, geometry: geometry)
        }
        let (winogradError, im2colError) = (RelativeError(winograd.toArray(), reference.values),
                                            RelativeError(im2col.toArray(), reference.values))
        print("Winograd [1, 128, 24, 24], inputs ±30: \(winogradError); im2col: \(im2colError)")
        #expect(winogradError.value <= 4 * im2colError.value + 1e-7, "Winograd \(winogradError), im2col \(im2colError)")
    }

    /// The automatic choice gives exactly what the forced Winograd path gives for layers at a UNet's two largest
    /// resolutions (64×64 and 32×32 at batch 1), and exactly im2col for the layers it leaves alone (a small output, stride 2), so the tests of each
    /// path cover what models run.
    @Test func automaticChoosesWinogradWhereItPays() {
        var values = TestValues(seed: 99)
        let large = values.tensor([1, 32, 64, 64])
        let medium = values.tensor([1, 32, 32, 32])
        let small = values.tensor([1, 64, 12, 12])
        let (largeWeight, smallWeight) = (values.tensor([32, 32, 3, 3], scale: 0.06), values.tensor([64, 64, 3, 3], scale: 0.04))
        let geometry = Conv2DGeometry(stride: 1, padding: 1)
        func forced(_ algorithm: ConvolutionAlgorithm, _ input: Tensor, _ weight: Tensor,
                    _ geometry: Conv2DGeometry) -> [Float] {
            ConvolutionAlgorithm.$override.withValue(algorithm) {
                input.conv2d(weight: weight, bias: nil, geometry: geometry).toArray()
            }
        }
        #expect(large.conv2d(weight: largeWeight, bias: nil, geometry: geometry).toArray()
            == forced(.winograd, large, largeWeight, geometry))
        #expect(medium.conv2d(weight: largeWeight, bias: nil, geometry: geometry).toArray()
            == forced(.winograd, medium, largeWeight, geometry))
        #expect(small.conv2d(weight: smallWeight, bias: nil, geometry: geometry).toArray()
            == forced(.im2col, small, smallWeight, geometry))
        #expect(forced(.im2col, large, largeWeight, geometry) != forced(.winograd, large, largeWeight, geometry),
                "the two paths round differently; were they equal, the checks above could not tell them apart")
        let strided = Conv2DGeometry(stride: 2, padding: 1)
        #expect(forced(.winograd, small, smallWeight, strided) == forced(.im2col, small, smallWeight, strided))
    }
}
