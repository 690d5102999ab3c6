extension Tensor {
    /// The shape two shapes broadcast to under NumPy/PyTorch rules, or nil if they do not.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        let paddedA = [Int](repeating: 1, count: rank - a.count) + a
        let paddedB = [Int](repeating: 1, count: rank - b.count) + b
        var result = [Int]()
        for (x, y) in zip(paddedA, paddedB) {
            if x == y || y == 1 { result.append(x) } else if x == 1 { result.append(y) } else { return nil }
        }
        return result
    }

    /// A stride-0 view repeating this tensor to `target` (NumPy broadcasting rules); no copy.
    public func broadcasted(to target: [Int]) -> Tensor {
        precondition(target.count >= rank, "cannot broadcast \(shape) to lower rank \(target)")
        let lead = target.count - rank
        var newStrides = [Int](repeating: 0, count: target.count)
        for axis in 0..<rank {
            let size = shape[axis]
            precondition(size == target[lead + axis] || size == 1, "cannot broadcast \(shape) to \(target)")
            newStrides[lead + axis] = size == 1 && target[lead + axis] != 1 ? 0 : strides[axis]
        }
        return Tensor(storage: storage, shape: target, strides: newStrides, offset: offset)
    }
}
