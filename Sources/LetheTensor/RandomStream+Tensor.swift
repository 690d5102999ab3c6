extension RandomStream {
    /// Fills a contiguous tensor with `normalFloat(at:)` for indices `start ..< start + tensor.count`.
    ///
    /// A rank that owns elements `[a, b)` of a larger tensor passes `startingAt: a` and gets the same values as a
    /// single fill of the whole tensor.
    public func fill(normal tensor: Tensor, startingAt start: UInt64 = 0) {
        tensor.withUnsafeMutableBufferPointer { fill(normal: $0, startingAt: start) }
    }

    /// Fills a contiguous tensor with `uniformFloat(at:)` for indices `start ..< start + tensor.count`.
    public func fill(uniform tensor: Tensor, startingAt start: UInt64 = 0) {
        tensor.withUnsafeMutableBufferPointer { fill(uniform: $0, startingAt: start) }
    }

    /// A new tensor of standard normals, element `i` (row-major) being `normalFloat(at: start + i)`.
    public func normalTensor(shape: [Int], startingAt start: UInt64 = 0) -> Tensor {
        let tensor = Tensor(zeros: shape)
        fill(normal: tensor, startingAt: start)
        return tensor
    }
}
