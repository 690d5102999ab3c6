import Testing
import LetheTensor

@Suite struct PaddingTests {
    @Test func padsRightAndBottomLikeDownsample2D() {
        let input = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
        let padded = input.zeroPadded(bottom: 1, right: 1)
        #expect(padded.shape == [1, 1, 3, 3])
        #expect(padded.toArray() == [1, 2, 0, 3, 4, 0, 0, 0, 0])
    }

    @Test func padsEverySideOfEveryPlane() {
        var values = TestValues(seed: 21)
        let input = values.tensor([2, 3, 3, 4])
        let padded = input.zeroPadded(top: 2, bottom: 1, left: 1, right: 3)
        #expect(padded.shape == [2, 3, 6, 8])
        for b in 0..<2 { for c in 0..<3 { for y in 0..<6 { for x in 0..<8 {
            let inside = (2..<5).contains(y) && (1..<5).contains(x)
            #expect(padded[b, c, y, x] == (inside ? input[b, c, y - 2, x - 1] : 0))
        } } } }
    }
}
