import LetheDistributed
import LetheModels
import LetheTensor

/// The gradient allreduce of data-parallel training: the flat gradient buffer summed across ranks in fixed-size
/// buckets, always in buffer order, so every rank issues the same collectives and ends with bit-identical sums
/// (each rank then takes the same optimizer step).
public struct GradientBuckets: Sendable {
    /// Floats per allreduce call (16 MiB of float32 by default).
    public let bucketElements: Int

    public init(bucketElements: Int = 1 << 22) {
        precondition(bucketElements > 0, "a gradient bucket holds at least one value")
        self.bucketElements = bucketElements
    }

    /// The element ranges of the buckets of a buffer of `count` floats, in the order they are reduced.
    public func buckets(count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: bucketElements).map { $0..<Swift.min(count, $0 + bucketElements) }
    }

    /// Sums `values` across the ranks of `communicator`, bucket by bucket, in place.
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>, communicator: Communicator) throws {
        guard communicator.size > 1, let base = values.baseAddress else { return }
        for range in buckets(count: values.count) {
            try communicator.allreduce(UnsafeMutableBufferPointer(start: base + range.lowerBound, count: range.count), op: .sum)
        }
    }

    /// Sums a gradient buffer across ranks in place.
    public func allreduceSum(_ gradients: ParameterGradients, communicator: Communicator) throws {
        try allreduceSum(UnsafeMutableBufferPointer(start: gradients.storage.base, count: gradients.count),
                         communicator: communicator)
    }
}
