extension TorchGenerator {
    /// `torch.rand(shape, generator=g)` on the CPU in float32: a new contiguous tensor of uniforms in [0, 1).
    public mutating func rand(shape: [Int]) -> Tensor {
        let tensor = Tensor(zeros: shape)
        tensor.withUnsafeMutableBufferPointer { fillUniform($0) }
        return tensor
    }

    /// `torch.rand(count, generator=g)` as an array.
    public mutating func rand(count: Int) -> [Float] {
        precondition(count >= 0, "rand(count:) needs a non-negative count, got \(count)")
        return [Float](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            fillUniform(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            initializedCount = count
        }
    }

    /// Overwrites `buffer` with float uniforms in [0, 1), one engine word each: its low 24 bits times 2⁻²⁴
    /// (torch's `uniform_real_distribution<float>`; exact, and never 1, so torch's clamp never applies).
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>) {
        buffer.withMemoryRebound(to: UInt32.self) { words in
            engine.fill(words)
            for index in words.indices {
                buffer[index] = Float(words[index] & 0x00FF_FFFF) * 0x1p-24
            }
        }
    }

    /// `torch.randint(low, high, (count,), generator=g)` (int64): `(word % (high − low)) + low`, where the word
    /// is `random64()` when the range is at least 2²⁸ and `random32()` otherwise, as torch draws it (slightly
    /// biased for ranges that do not divide 2³² or 2⁶⁴, exactly as torch is).
    public mutating func randint(low: Int64, high: Int64, count: Int) throws(TorchGeneratorError) -> [Int64] {
        guard low < high else { throw .emptyRange(low: low, high: high) }
        guard count >= 0 else { throw .negativeCount(count) }
        let range = UInt64(bitPattern: high) &- UInt64(bitPattern: low)
        let base = UInt64(bitPattern: low)
        let wide = range >= 1 << 28
        var values = [Int64](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { output in
            for index in output.indices {
                let word = wide ? random64() : UInt64(random32())
                output[index] = Int64(bitPattern: word % range &+ base)
            }
        }
        return values
    }
}
