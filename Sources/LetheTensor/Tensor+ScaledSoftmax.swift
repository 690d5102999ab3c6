import CLetheKernels
import Foundation

extension Tensor {
    /// Replaces each row of the last axis by softmax(scale · row), in place (max-subtracted): the attention
    /// probabilities of scores q·kᵀ without a scaled copy. exp is a SIMD polynomial (about 1 ulp beyond the
    /// rounding of scale·x − max); rows are split over the processor's cores unless `parallel` is false (a caller
    /// that is itself one of several workers).
    public func softmaxInPlace(scale: Float = 1, parallel: Bool = true) {
        precondition(isContiguous, "softmaxInPlace needs a contiguous tensor")
        let width = shape.last ?? 1
        let rows = width == 0 ? 0 : count / width
        let workers = parallel ? Swift.min(Tensor.processorCount, Swift.max(1, count / (1 << 16)), rows) : 1
        guard workers > 1 else {
            Tensor.softmaxRows(pointer, rows: 0..<rows, width: width, scale: scale)
            return
        }
        // Workers write disjoint rows of this tensor's storage.
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let range = (rows * worker / workers)..<(rows * (worker + 1) / workers)
            Tensor.softmaxRows(self.pointer, rows: range, width: width, scale: scale)
        }
    }

    /// Asked once: ProcessInfo reads it from the system on every call.
    static let processorCount = ProcessInfo.processInfo.activeProcessorCount

    static func softmaxRows(_ base: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int, scale: Float) {
        if VectorKernels.useAVX2 {
            lethe_softmax_rows_avx2(base + rows.lowerBound * width, rows.count, width, scale)
            return
        }
        for row in rows {
            let values = base + row * width
            let maximum = scaledMaximum(values, count: width, scale: scale)
            let total = exponentiateAndSum(values, count: width, scale: scale, shift: maximum)
            let inverse = 1 / total
            for column in 0..<width { values[column] *= inverse }
        }
    }

    /// max(scale · x) over `count` values, from the largest (scale ≥ 0) or smallest (scale < 0) x, eight lanes at a
    /// time (NaN-free input assumed, as for attention scores).
    static func scaledMaximum(_ values: UnsafeMutablePointer<Float>, count: Int, scale: Float) -> Float {
        let raw = UnsafeRawPointer(values)
        let sign: Float = scale < 0 ? -1 : 1
        let signLanes = SIMD8<Float>(repeating: sign)
        var lanes = SIMD8<Float>(repeating: -Float.infinity)
        var index = 0
        while index + 8 <= count {
            let value = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self) * signLanes
            lanes.replace(with: value, where: value .> lanes)
            index += 8
        }
        var maximum = lanes.max()
        while index < count {
            maximum = Swift.max(maximum, sign * values[index])
            index += 1
        }
        return maximum * sign * scale
    }
}
