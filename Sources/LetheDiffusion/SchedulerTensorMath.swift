import LetheTensor

/// Elementwise kernels for scheduler updates. Each formula is written out per element in PyTorch's operation
/// order (one rounding per operation, no fused multiply-adds), so results match diffusers' float32 arithmetic.
enum SchedulerTensorMath {
    /// A new tensor of `a`'s shape with `body` applied to every element.
    @inline(__always)
    static func map(_ a: Tensor, _ body: (Float) -> Float) -> Tensor {
        let input = a.contiguous()
        let result = Tensor(zeros: a.shape)
        let source = input.pointer, destination = result.pointer
        for index in 0..<result.count { destination[index] = body(source[index]) }
        return result
    }

    /// A new tensor combining two same-shaped tensors elementwise.
    @inline(__always)
    static func map(_ a: Tensor, _ b: Tensor, _ body: (Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape, "scheduler kernel: shapes \(a.shape) and \(b.shape) differ")
        let first = a.contiguous(), second = b.contiguous()
        let result = Tensor(zeros: a.shape)
        let x = first.pointer, y = second.pointer, destination = result.pointer
        for index in 0..<result.count { destination[index] = body(x[index], y[index]) }
        return result
    }

    /// A new tensor combining three same-shaped tensors elementwise.
    @inline(__always)
    static func map(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ body: (Float, Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape && a.shape == c.shape,
                     "scheduler kernel: shapes \(a.shape), \(b.shape) and \(c.shape) differ")
        let first = a.contiguous(), second = b.contiguous(), third = c.contiguous()
        let result = Tensor(zeros: a.shape)
        let x = first.pointer, y = second.pointer, z = third.pointer, destination = result.pointer
        for index in 0..<result.count { destination[index] = body(x[index], y[index], z[index]) }
        return result
    }

    /// A new tensor combining four same-shaped tensors elementwise.
    @inline(__always)
    static func map(
        _ a: Tensor, _ b: Tensor, _ c: Tensor, _ d: Tensor, _ body: (Float, Float, Float, Float) -> Float
    ) -> Tensor {
        precondition(a.shape == b.shape && a.shape == c.shape && a.shape == d.shape,
                     "scheduler kernel: shapes \(a.shape), \(b.shape), \(c.shape) and \(d.shape) differ")
        let first = a.contiguous(), second = b.contiguous(), third = c.contiguous(), fourth = d.contiguous()
        let result = Tensor(zeros: a.shape)
        let w = first.pointer, x = second.pointer, y = third.pointer, z = fourth.pointer
        let destination = result.pointer
        for index in 0..<result.count { destination[index] = body(w[index], x[index], y[index], z[index]) }
        return result
    }

    /// `torch.clamp(x, -limit, limit)`, passing NaN through.
    @inline(__always)
    static func clamp(_ value: Float, _ limit: Float) -> Float {
        value.isNaN ? value : Swift.min(Swift.max(value, -limit), limit)
    }

    /// Throws unless `tensor` has the shape `expected`.
    static func requireShape(_ tensor: Tensor, _ expected: [Int], argument: String) throws {
        guard tensor.shape == expected else {
            throw SchedulerError.shapeMismatch(argument: argument, expected: expected, found: tensor.shape)
        }
    }
}
