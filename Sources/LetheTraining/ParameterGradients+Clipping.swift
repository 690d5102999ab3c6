import LetheModels
import LetheTensor

extension ParameterGradients {
    /// The L2 norm of every trained gradient value taken together (the whole buffer as one vector), accumulated in
    /// double precision. Infinite or NaN when a gradient is.
    public func globalNorm() -> Double {
        let (storage, count) = (storage, storage.count)
        let blocks = (count + Self.normBlock - 1) / Self.normBlock
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(blocks, 1))
        defer { sums.deallocate() }
        let blockSums = BlockSums(base: sums)
        // Fixed blocks summed on the cores, then their sums in order: the same value whatever the thread count.
        BLASThreads.parallel(count: count, block: Self.normBlock) { block, range in
            let values = storage.base
            // Eight independent sums: vectorisable, and the order no longer depends on one long serial chain.
            var lanes = SIMD8<Double>()
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                let chunk = SIMD8<Double>(UnsafeRawPointer(values + index).loadUnaligned(as: SIMD8<Float>.self))
                lanes += chunk * chunk
                index += 8
            }
            var total = lanes.sum()
            while index < range.upperBound {
                let value = Double(values[index])
                total += value * value
                index += 1
            }
            blockSums.base[block] = total
        }
        return (0..<blocks).reduce(0.0) { $0 + sums[$1] }.squareRoot()
    }

    /// Values per block of the norm's sum.
    static let normBlock = 1 << 20

    /// Gradient clipping by global norm as torch.nn.utils.clip_grad_norm_ (norm_type 2): every gradient is scaled by
    /// min(maxNorm / (norm + 1e-6), 1), so the norm ends at most `maxNorm`. `maxNorm` must be finite and > 0.
    ///
    /// Returns the norm before clipping. When it is not finite (an overflowing or NaN gradient) the gradients are
    /// left as they are and the norm is returned for the caller to decide (typically: skip this optimizer step);
    /// torch would scale them by NaN or 0 instead.
    @discardableResult
    public func clipGlobalNorm(maxNorm: Double) -> Double {
        precondition(maxNorm > 0 && maxNorm.isFinite, "clipping needs a finite maximum norm > 0, not \(maxNorm)")
        let norm = globalNorm()
        guard norm.isFinite else { return norm }
        let coefficient = min(maxNorm / (norm + 1e-6), 1)
        // torch multiplies by the clamped coefficient always; multiplying by exactly 1 changes nothing.
        if coefficient < 1 {
            let (scale, storage) = (Float(coefficient), storage)
            BLASThreads.parallel(count: storage.count, block: Self.normBlock) { _, range in
                let values = storage.base
                for index in range { values[index] *= scale }
            }
        }
        return norm
    }
}

/// Each block's sum of squares, written by the worker that summed it.
private struct BlockSums: @unchecked Sendable {
    let base: UnsafeMutablePointer<Double>
}
