import Testing
import LetheTensor

@Suite struct NearestResizeTests {
    /// Source of output index i: floor(i · in / out), in exact integer arithmetic.
    private func expectedResize(_ input: Tensor, height: Int, width: Int) -> [Double] {
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        var out = [Double]()
        for b in 0..<n { for k in 0..<c { for y in 0..<height { for x in 0..<width {
            out.append(Double(input[b, k, y * h / height, x * w / width]))
        } } } }
        return out
    }

    @Test(arguments: [(3, 5, 5, 9), (2, 3, 4, 7), (4, 4, 8, 8), (3, 3, 3, 6), (5, 2, 9, 3)])
    func picksTheFlooredSource(height: Int, width: Int, outHeight: Int, outWidth: Int) {
        var values = TestValues(seed: UInt64(height * 1000 + width * 100 + outHeight * 10 + outWidth))
        let input = values.tensor([2, 3, height, width])
        let output = input.upsampleNearest(height: outHeight, width: outWidth)
        #expect(output.shape == [2, 3, outHeight, outWidth])
        #expect(output.toArray().map(Double.init) == expectedResize(input, height: outHeight, width: outWidth))
    }

    @Test func oddSkipSizeByHand() {
        // 1×3 → 1×5: sources floor(i·3/5) = 0, 0, 1, 1, 2 (what torch gives for an up block meeting an odd skip).
        let input = Tensor(shape: [1, 1, 1, 3], values: [10, 20, 30])
        #expect(input.upsampleNearest(height: 1, width: 5).toArray() == [10, 10, 20, 20, 30])
    }

    @Test func doublingMatchesFactorTwo() {
        var values = TestValues(seed: 7)
        let input = values.tensor([1, 2, 3, 5])
        #expect(input.upsampleNearest(height: 6, width: 10).toArray() == input.upsampleNearest(factor: 2).toArray())
    }

    @Test func stridedInput() {
        var values = TestValues(seed: 8)
        let base = values.tensor([1, 2, 4, 3])
        let view = base.transposed(2, 3)  // [1, 2, 3, 4], not contiguous
        #expect(view.upsampleNearest(height: 5, width: 7).toArray().map(Double.init)
                == expectedResize(view.copy(), height: 5, width: 7))
    }
}
