import Testing
import LetheTensor

@Suite struct ElementwiseAndReductionTests {
    @Test func arithmeticBroadcastsLikeNumPy() {
        let matrix = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let row = Tensor(shape: [3], values: [10, 20, 30])
        let column = Tensor(shape: [2, 1], values: [100, 200])
        #expect((matrix + row).toArray() == [11, 22, 33, 14, 25, 36])
        #expect((matrix * column).toArray() == [100, 200, 300, 800, 1000, 1200])
        #expect((matrix - matrix).toArray() == [0, 0, 0, 0, 0, 0])
        #expect((matrix / row).toArray() == [0.1, 0.1, 0.1, 0.4, 0.25, 0.2])
        #expect((2 * matrix + 1).toArray() == [3, 5, 7, 9, 11, 13])
        #expect((-row).toArray() == [-10, -20, -30])
    }

    @Test func inPlaceUpdates() {
        let accumulator = Tensor(shape: [3], values: [1, 1, 1])
        accumulator.addInPlace(Tensor(shape: [3], values: [1, 2, 3]), scaledBy: 0.5)
        #expect(accumulator.toArray() == [1.5, 2, 2.5])
        accumulator.scaleInPlace(by: 2)
        #expect(accumulator.toArray() == [3, 4, 5])
        accumulator.fill(7)
        #expect(accumulator.toArray() == [7, 7, 7])
    }

    @Test func reductions() {
        let cube = Tensor(shape: [2, 3, 2], values: (1...12).map(Float.init))
        #expect(cube.sum() == 78)
        #expect(cube.mean() == 6.5)
        #expect(cube.sumOfSquares() == 650)
        #expect(cube.max() == 12)
        #expect(cube.sum(axis: 1).toArray() == [9, 12, 27, 30])
        #expect(cube.sum(axis: 0, keepingDimension: true).shape == [1, 3, 2])
        #expect(cube.mean(axis: 2).toArray() == [1.5, 3.5, 5.5, 7.5, 9.5, 11.5])
        // Summing a transposed view: entry [b, a] = cube[a, b, 0] + cube[a, b, 1].
        #expect(cube.transposed(0, 2).sum(axis: 0).toArray() == [3, 15, 7, 19, 11, 23])
    }

    @Test func finitenessAndNaN() {
        #expect(Tensor(shape: [2], values: [1, 2]).isFinite)
        #expect(!Tensor(shape: [2], values: [1, .nan]).isFinite)
        #expect(!Tensor(shape: [2], values: [.infinity, 0]).isFinite)
        #expect(Tensor(shape: [2], values: [.nan, 3]).max().isNaN)
    }

    /// The vectorised check (16 lanes, a scalar tail, several workers past 2^20 elements) finds one bad value
    /// wherever it sits, of each kind, and passes the largest finite values, subnormals and signed zeros.
    @Test(arguments: [1, 16, 17, 47, 3_000_001])
    func finitenessFindsEveryBadValue(count: Int) {
        let edges: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0]
        let clean = Tensor(shape: [count], values: (0..<count).map { edges[$0 % edges.count] })
        #expect(clean.isFinite)
        for position in Set([0, count / 2, count - 1, Swift.max(count - 17, 0)]) {
            for bad in [Float.nan, .infinity, -.infinity, Float(bitPattern: 0xFFC0_0001)] {
                let tensor = clean.copy()
                tensor[position] = bad
                #expect(!tensor.isFinite, "\(bad) at \(position) of \(count)")
            }
        }
        // A strided view checks the values it shows, not the memory between them.
        let matrix = Tensor(shape: [2, 3], values: [1, .nan, 2, 3, .nan, 4])
        #expect(matrix.narrowed(axis: 1, start: 0, length: 1).isFinite)
    }

    @Test func upsampleRepeatsPixels() {
        let image = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
        let up = image.upsampleNearest()
        #expect(up.shape == [1, 1, 4, 4])
        #expect(up.toArray() == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func concatenateAlongChannels() {
        let a = Tensor(shape: [1, 1, 2], values: [1, 2]), b = Tensor(shape: [1, 2, 2], values: [3, 4, 5, 6])
        let joined = Tensor.concatenate([a, b], axis: 1)
        #expect(joined.shape == [1, 3, 2])
        #expect(joined.toArray() == [1, 2, 3, 4, 5, 6])
        let side = Tensor.concatenate([a, a], axis: 2)
        #expect(side.toArray() == [1, 2, 1, 2])
    }

    @Test func gatherRowsIsAnEmbeddingLookup() {
        let table = Tensor(shape: [3, 2], values: [0, 1, 10, 11, 20, 21])
        #expect(table.gatherRows([2, 0, 2]).toArray() == [20, 21, 0, 1, 20, 21])
    }
}
