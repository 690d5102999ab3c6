import Foundation

extension Tensor {
    /// Softmax over the last axis, max-subtracted for stability.
    public func softmax() -> Tensor {
        let width = shape.last ?? 1
        let input = contiguous()
        let result = Tensor(zeros: shape)
        let rows = width == 0 ? 0 : count / width
        for row in 0..<rows {
            let source = input.pointer + row * width, destination = result.pointer + row * width
            var maximum = -Float.infinity
            for column in 0..<width { maximum = Swift.max(maximum, source[column]) }
            var total: Float = 0
            for column in 0..<width {
                let e = Foundation.exp(source[column] - maximum)
                destination[column] = e
                total += e
            }
            let inverse = 1 / total
            for column in 0..<width { destination[column] *= inverse }
        }
        return result
    }
}
