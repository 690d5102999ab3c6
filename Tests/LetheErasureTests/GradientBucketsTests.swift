import LetheDistributed
import LetheErasure
import Testing

@Suite("Gradient buckets and batch split")
struct GradientBucketsTests {
    @Test func bucketsCoverTheBufferInOrder() {
        #expect(GradientBuckets(bucketElements: 4).buckets(count: 10) == [0..<4, 4..<8, 8..<10])
        #expect(GradientBuckets(bucketElements: 4).buckets(count: 0).isEmpty)
    }

    @Test func splitSharesTheGlobalBatch() throws {
        let parts = try (0..<3).map { try DataParallelSplit(globalBatch: 7, rank: $0, size: 3) }
        #expect(parts.map(\.localRange) == [0..<3, 3..<5, 5..<7])
        #expect(parts[1].sampleIndices(step: 2) == [17, 18])
        #expect(abs(parts.map(\.weight).reduce(0, +) - 1) < 1e-15)
        #expect(throws: ErasureError.self) { try DataParallelSplit(globalBatch: 1, rank: 0, size: 2) }
    }

    @Test func singleProcessAllreduceLeavesValues() throws {
        var values: [Float] = [1, 2, 3]
        try values.withUnsafeMutableBufferPointer {
            try GradientBuckets(bucketElements: 2).allreduceSum($0, communicator: Communicator.singleProcess())
        }
        #expect(values == [1, 2, 3])
    }
}
