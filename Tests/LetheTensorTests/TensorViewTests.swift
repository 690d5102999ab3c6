import Testing
import LetheTensor

@Suite struct TensorViewTests {
    let matrix = Tensor(shape: [2, 3], values: [0, 1, 2, 3, 4, 5])

    @Test func denseStridesAreRowMajor() {
        #expect(Tensor.denseStrides(for: [2, 3, 4]) == [12, 4, 1])
        #expect(matrix.isContiguous)
        #expect(matrix[1, 2] == 5)
    }

    @Test func transposeIsAViewThatReadsColumns() {
        let transposed = matrix.transposed(0, 1)
        #expect(transposed.shape == [3, 2])
        #expect(!transposed.isContiguous)
        #expect(transposed.storage === matrix.storage)
        #expect(transposed.toArray() == [0, 3, 1, 4, 2, 5])
    }

    @Test func permuteReordersAxes() {
        let cube = Tensor(shape: [2, 3, 4], values: (0..<24).map(Float.init))
        let permuted = cube.permuted([2, 0, 1])
        #expect(permuted.shape == [4, 2, 3])
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { #expect(permuted[c, a, b] == cube[a, b, c]) } } }
    }

    @Test func narrowAndSelectShareStorage() {
        let column = matrix.selecting(axis: 1, index: 1)
        #expect(column.toArray() == [1, 4])
        let rows = matrix.narrowed(axis: 1, start: 1, length: 2)
        #expect(rows.toArray() == [1, 2, 4, 5])
        rows[0, 0] = 42
        #expect(matrix[0, 1] == 42)
    }

    @Test func reshapeInfersOneDimensionAndCopiesStridedViews() {
        #expect(matrix.reshaped([-1]).shape == [6])
        #expect(matrix.reshaped([3, -1]).shape == [3, 2])
        let transposed = matrix.transposed(0, 1).reshaped([6])
        #expect(transposed.toArray() == [0, 3, 1, 4, 2, 5])
        #expect(transposed.storage !== matrix.storage)
    }

    @Test func copyDetachesStorage() {
        let copy = matrix.copy()
        copy[0, 0] = -1
        #expect(matrix[0, 0] == 0)
    }

    @Test func broadcastUsesZeroStrides() {
        let row = Tensor(shape: [3], values: [1, 2, 3])
        let expanded = row.broadcasted(to: [2, 3])
        #expect(expanded.strides == [0, 1])
        #expect(expanded.toArray() == [1, 2, 3, 1, 2, 3])
        #expect(Tensor.broadcastShape([4, 1, 3], [5, 1]) == [4, 5, 3])
        #expect(Tensor.broadcastShape([2, 3], [4]) == nil)
    }

    @Test func assignStridedWritesThroughAView() {
        let target = Tensor(zeros: [3, 2])
        target.transposed(0, 1).assignStrided(matrix)
        #expect(target.toArray() == [0, 3, 1, 4, 2, 5])
    }

    @Test func emptyAndScalarTensors() {
        let empty = Tensor(zeros: [0, 4])
        #expect(empty.count == 0 && empty.toArray().isEmpty)
        #expect(Tensor(scalar: 2.5).scalarValue == 2.5)
        #expect(Tensor(scalar: 2.5).rank == 0)
    }
}
