/// A port of PyTorch's CPU random generator (`at::CPUGeneratorImpl`), so that
///
///     var generator = TorchGenerator(seed: s)
///     generator.randn(shape: [1, 4, 64, 64])
///
/// gives the values of `g = torch.Generator().manual_seed(s); torch.randn((1, 4, 64, 64), generator=g)` on the CPU
/// (what diffusers' `randn_tensor` draws for CPU generators), and consecutive calls on one generator continue exactly
/// as consecutive torch calls on one `torch.Generator` do.
///
/// diffusers' `randn_tensor` draws on the generator's device, so a CPU generator gives these values whatever device
/// the pipeline runs on; with a list of generators it draws each batch item from its own generator.
///
/// It matches torch's **CPU** generator only: CUDA generators (Philox, a different algorithm and layout) give other
/// numbers for the same seed.
///
/// State, as in torch: a `MersenneTwister` engine seeded with the seed's low 32 bits, plus the cached second
/// Box–Muller sample of the double-precision normal sampler (`next_double_normal_sample`), used by draws of fewer
/// than 16 normals. Raw draws: `random32()` is one engine word; `random64()` is two, the first as the high half.
///
/// Values are reproduced bit for bit, except where torch calls the C math library (see `NormalKernel`): there they
/// match exactly when both use the same libm (torch and this code on the same Linux machine) and are otherwise
/// within the libraries' accuracy (documented per draw).
public struct TorchGenerator: Sendable {
    /// The seed given to `init`, all 64 bits (torch's `initial_seed()`); the engine uses its low 32 bits.
    public let seed: UInt64
    /// Which build of torch's vectorised normal fill to reproduce for draws of 16 or more normals.
    public var normalKernel: NormalKernel

    var engine: MersenneTwister
    /// torch's `next_double_normal_sample`: the sine half of the last scalar Box–Muller pair, if not yet used.
    public internal(set) var cachedNormalSample: Double?

    /// The generator after `torch.Generator().manual_seed(seed)`. A negative Python seed `s` corresponds to
    /// `UInt64(bitPattern: Int64(s))`, which is how torch stores it.
    public init(seed: UInt64, normalKernel: NormalKernel = .platformDefault) {
        self.seed = seed
        self.normalKernel = normalKernel
        engine = MersenneTwister(seed: UInt32(truncatingIfNeeded: seed))
        cachedNormalSample = nil
    }

    /// One engine word (torch's `random()`).
    public mutating func random32() -> UInt32 {
        engine.next()
    }

    /// Two engine words, the first as the high half (torch's `random64()`).
    public mutating func random64() -> UInt64 {
        let high = engine.next()
        let low = engine.next()
        return UInt64(high) << 32 | UInt64(low)
    }
}
