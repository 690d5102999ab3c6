import LetheTensor

/// Poisson sampling for DP-SGD: at step t, each of the N images joins the batch with probability q, on its own
/// (a uniform draw keyed by seed, t and its position, the same on every rank). The batch is the global sample ids
/// t·N + p of the positions drawn; `TrainingImages` maps them through step t's shuffle, a bijection, so each
/// image's chance is q whatever its position. The batch size varies (it may be 0).
public struct PoissonSampling: Sendable, Equatable {
    public let examples: Int
    public let sampleRate: Double
    public let seed: UInt64

    public init(examples: Int, sampleRate: Double, seed: UInt64) {
        self.examples = examples
        self.sampleRate = sampleRate
        self.seed = seed
    }

    public func samples(step: Int) -> [Int] {
        let stream = RandomStream(seed: seed, purpose: "dp-poisson", id: UInt64(step))
        return (0..<examples).filter { stream.uniformDouble(at: UInt64($0)) < sampleRate }.map { step * examples + $0 }
    }
}
