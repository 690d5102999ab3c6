import Foundation

extension Tensor {
    /// Replaces each row of the last axis by softmax(scale · row), in place (max-subtracted; the attention
    /// probabilities of scores q·kᵀ without an extra scaled copy of the scores).
    public func softmaxInPlace(scale: Float = 1) {
        precondition(isContiguous, "softmaxInPlace needs a contiguous tensor")
        let width = shape.last ?? 1
        let rows = width == 0 ? 0 : count / width
        let base = pointer
        for row in 0..<rows {
            let values = base + row * width
            var maximum = -Float.infinity
            for column in 0..<width { maximum = Swift.max(maximum, scale * values[column]) }
            var total: Float = 0
            for column in 0..<width {
                let e = Foundation.exp(scale * values[column] - maximum)
                values[column] = e
                total += e
            }
            let inverse = 1 / total
            for column in 0..<width { values[column] *= inverse }
        }
    }
}
