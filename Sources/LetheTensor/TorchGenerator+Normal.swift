import Foundation

extension TorchGenerator {
    /// `torch.randn(shape, generator=g)` on the CPU in float32: a new contiguous tensor of standard normals.
    ///
    /// Fewer than 16 elements: one scalar double-precision Box–Muller sample each (`random64()` uniforms, glibc's
    /// `log1p`, `sin`, `cos`; the sine half is cached for the next such sample), rounded to float. 16 or more:
    /// torch's `normal_fill` (see `fillNormal(_:)`), which neither reads nor clears that cache.
    public mutating func randn(shape: [Int]) -> Tensor {
        let tensor = Tensor(zeros: shape)
        tensor.withUnsafeMutableBufferPointer { fillNormal($0) }
        return tensor
    }

    /// `torch.randn(count, generator=g)` as an array (same values as `randn(shape: [count])`).
    public mutating func randn(count: Int) -> [Float] {
        precondition(count >= 0, "randn(count:) needs a non-negative count, got \(count)")
        return [Float](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            fillNormal(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            initializedCount = count
        }
    }

    /// Overwrites `buffer` with what `torch.randn(buffer.count, generator=g)` would hold.
    ///
    /// For 16 or more elements this is torch's `normal_fill`: every element first receives a float uniform, then
    /// each full block of 16 is turned into normals by Box–Muller (`normalKernel`); if the count is not a multiple
    /// of 16, 16 fresh uniforms overwrite the last 16 elements and that block is transformed again, so the tail
    /// overlaps the last full block and the generator advances by `count + 16` words.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>) {
        let count = buffer.count
        guard let data = buffer.baseAddress else { return }
        if count < 16 {
            for index in 0..<count {
                // `x * std + mean` with std 1 and mean 0, as torch applies it: exact, except that −0 becomes +0.
                data[index] = Float(nextNormalDouble() + 0)
            }
            return
        }
        fillUniform(buffer)
        let kernel = normalKernel
        var start = 0
        while start + 16 <= count {
            Self.boxMuller16(data + start, kernel: kernel)
            start += 16
        }
        if count % 16 != 0 {
            let tail = UnsafeMutableBufferPointer(start: data + count - 16, count: 16)
            fillUniform(tail)
            Self.boxMuller16(data + count - 16, kernel: kernel)
        }
    }

    /// torch's `normal_distribution<double>` with mean 0 and std 1: returns the cached sample if there is one,
    /// otherwise draws u1 then u2 (53-bit uniforms), returns r·cos θ and caches r·sin θ, with r = √(−2 log1p(−u2))
    /// and θ = 2π·u1.
    mutating func nextNormalDouble() -> Double {
        if let cached = cachedNormalSample {
            cachedNormalSample = nil
            return cached
        }
        let u1 = nextUniformDouble()
        let u2 = nextUniformDouble()
        let radius = (-2 * Foundation.log1p(-u2)).squareRoot()
        let angle = 2 * Double.pi * u1
        cachedNormalSample = radius * Foundation.sin(angle)
        return radius * Foundation.cos(angle)
    }

    /// torch's `uniform_real_distribution<double>(0, 1)`: the low 53 bits of `random64()` times 2⁻⁵³.
    mutating func nextUniformDouble() -> Double {
        Double(random64() & (1 << 53 - 1)) * 0x1p-53
    }

    /// One block of 16 uniforms → 16 normals with the chosen build of `NormalFill16`.
    @inline(__always)
    static func boxMuller16(_ data: UnsafeMutablePointer<Float>, kernel: NormalKernel) {
        switch kernel {
        case .avx2: AVX2Math.fill16(data)
        case .scalar: scalarFill16(data)
        }
    }

    /// The portable `NormalFill16<float>` with mean 0 and std 1: C library `logf`, `cosf`, `sinf`; the angle is
    /// computed in double and rounded to float, as torch's `2.0f * c10::pi<double> * u2` is.
    static func scalarFill16(_ data: UnsafeMutablePointer<Float>) {
        for lane in 0..<8 {
            let radius = (-2 * logf(1 - data[lane])).squareRoot()
            let angle = Float(2 * Double.pi * Double(data[lane + 8]))
            data[lane] = Float(0).addingProduct(radius * cosf(angle), 1)
            data[lane + 8] = Float(0).addingProduct(radius * sinf(angle), 1)
        }
    }
}
