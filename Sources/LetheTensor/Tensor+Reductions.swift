extension Tensor {
    /// Sum of all elements, accumulated in float64.
    public func sum() -> Double {
        let input = contiguous()
        var total = 0.0
        for index in 0..<count { total += Double(input.pointer[index]) }
        return total
    }

    public func mean() -> Double { sum() / Double(Swift.max(count, 1)) }

    /// Sum of squares, accumulated in float64 (the squared L2 norm).
    public func sumOfSquares() -> Double {
        let input = contiguous()
        var total = 0.0
        for index in 0..<count {
            let value = Double(input.pointer[index])
            total += value * value
        }
        return total
    }

    /// Largest element (NaN if any element is NaN, as torch.max); -inf for an empty tensor.
    public func max() -> Float {
        let input = contiguous()
        var best = -Float.infinity
        for index in 0..<count {
            let value = input.pointer[index]
            if value.isNaN { return .nan }
            best = Swift.max(best, value)
        }
        return best
    }

    /// Whether every element is finite (no NaN or infinity).
    ///
    /// Runs on every weight a model loads (4 GB for Stable Diffusion), where a scalar loop with an early exit took
    /// a quarter of a whole 64×64 generation: instead the exponent bits are checked 16 lanes at a time (a float is
    /// NaN or infinite exactly when its exponent bits are all ones), a few vector instructions per 64 bytes, and
    /// large tensors are split over the cores.
    public var isFinite: Bool {
        let input = contiguous()
        let total = count
        let workers = Self.workerCount(count: total, grain: 1 << 20)
        guard workers > 1 else { return Self.allFinite(UnsafeRawPointer(input.pointer), count: total) }
        let base = SharedFloatPointer(input.pointer)
        let flags = UnsafeMutablePointer<Bool>.allocate(capacity: workers)
        flags.initialize(repeating: true, count: workers)
        defer { flags.deallocate() }
        let results = SharedBoolPointer(flags)
        Self.forEachRange(count: total, workers: workers) { worker, range in
            results.base[worker] = Self.allFinite(UnsafeRawPointer(base.base + range.lowerBound), count: range.count)
        }
        return (0..<workers).allSatisfy { flags[$0] }
    }

    /// Whether `count` floats at `start` are all finite (see `isFinite`). Adding 2^23 to the masked exponent bits
    /// carries into the sign bit exactly when they are all ones, so one OR per lane collects the answer without
    /// branches or comparisons (which the compiler left as calls to the generic `pointwiseMax`).
    private static func allFinite(_ start: UnsafeRawPointer, count: Int) -> Bool {
        let exponent: UInt32 = 0x7F80_0000, carry: UInt32 = 0x0080_0000
        var collected = SIMD16<UInt32>(repeating: 0)
        let vectors = count / 16
        for index in 0..<vectors {
            let bits = start.loadUnaligned(fromByteOffset: index &* 64, as: SIMD16<UInt32>.self)
            collected |= (bits & exponent) &+ carry
        }
        var any: UInt32 = 0
        for lane in 0..<16 { any |= collected[lane] }
        var result = any & 0x8000_0000 == 0
        for index in (vectors &* 16)..<count
        where start.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self) & exponent == exponent {
            result = false
        }
        return result
    }

    /// Sums over `axis`, removing it (or keeping it with size 1).
    public func sum(axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduce(axis: axis, keepingDimension: keepingDimension, scale: 1)
    }

    /// Means over `axis`, removing it (or keeping it with size 1).
    public func mean(axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduce(axis: axis, keepingDimension: keepingDimension, scale: 1 / Double(Swift.max(shape[axis], 1)))
    }

    private func reduce(axis: Int, keepingDimension: Bool, scale: Double) -> Tensor {
        precondition(axis >= 0 && axis < rank, "axis \(axis) out of range for shape \(shape)")
        let input = contiguous()
        let outer = shape[..<axis].reduce(1, *), size = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        if keepingDimension { outShape[axis] = 1 } else { outShape.remove(at: axis) }
        let result = Tensor(zeros: outShape)
        var accumulator = [Double](repeating: 0, count: inner)
        for block in 0..<outer {
            for index in 0..<inner { accumulator[index] = 0 }
            for step in 0..<size {
                let row = input.pointer + (block * size + step) * inner
                for index in 0..<inner { accumulator[index] += Double(row[index]) }
            }
            let destination = result.pointer + block * inner
            for index in 0..<inner { destination[index] = Float(accumulator[index] * scale) }
        }
        return result
    }
}
