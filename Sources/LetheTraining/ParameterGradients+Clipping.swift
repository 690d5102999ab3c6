import LetheModels
import LetheTensor

extension ParameterGradients {
    /// The L2 norm of every trained gradient value taken together (the whole buffer as one vector), accumulated in
    /// double precision. Infinite or NaN when a gradient is.
    public func globalNorm() -> Double {
        let values = storage.base
        let count = storage.count
        // Eight independent sums: vectorisable, and the order no longer depends on one long serial chain.
        var sums = SIMD8<Double>()
        var index = 0
        while index + 8 <= count {
            let chunk = SIMD8<Double>(UnsafeRawPointer(values + index).loadUnaligned(as: SIMD8<Float>.self))
            sums += chunk * chunk
            index += 8
        }
        var total = sums.sum()
        while index < count {
            let value = Double(values[index])
            total += value * value
            index += 1
        }
        return total.squareRoot()
    }

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
            let scale = Float(coefficient)
            let values = storage.base
            for index in 0..<storage.count { values[index] *= scale }
        }
        return norm
    }
}
