import LetheModels
import LetheTensor

/// Forget-Me-Not's attention re-steering loss as an attention hook: the L2 norm of the cross-attention
/// probabilities that the image's positions give to the concept's tokens, over every hooked layer, head and query
/// (upstream's `torch.cat(attn_probs).norm()` in `AttnController`).
///
/// Register it on the cross-attention layers (`register(on:)`, pattern `attn2`), call `reset(tokenPositions:)`
/// with each sample's concept token positions before each training forward pass, read `loss` after it, and run the
/// model's backward pass with a zero output gradient: each hooked layer then adds `probabilityGradient` = P / loss on
/// the concept's positions (zero elsewhere) to the gradient of its probabilities.
///
/// Probabilities arrive as [batch, heads, queries, tokens], slice b·heads + h being sample b's head h, and each
/// sample is masked with its own positions (upstream repeats the mask head-major, which pairs heads with the wrong
/// samples when the batch holds more than one).
///
/// A layer's first capture after `reset` is the one that counts: with gradient checkpointing a block recomputed in
/// the backward pass calls `capture` again with the same probabilities, and that second call is ignored, so the
/// loss and its gradient stay those of the forward pass.
public final class ConceptAttentionLoss: AttentionHook {
    /// The layers the loss is defined on: every cross-attention layer.
    public static let layerPattern = "attn2"

    /// One hooked layer's probabilities at the concept's positions.
    private struct Capture {
        let layer: String
        let shape: [Int]
        /// Values at [b, h, q, positions[b][i]], in that order (b outermost).
        let values: [Float]
        let sumOfSquares: Double
        /// Mean over samples, heads and queries of the probability mass on the positions.
        let mass: Double
    }

    /// Sorted, distinct concept token positions of each sample (a sample may have none).
    public private(set) var tokenPositions: [[Int]]
    /// Tokens of the text the probabilities attend over (77 for Stable Diffusion's CLIP).
    public let tokenCount: Int
    private var captures: [Capture] = []
    private var captureIndex: [String: Int] = [:]

    /// A loss for a batch whose sample b has the concept at `tokenPositions[b]`.
    public init(tokenPositions: [[Int]], tokenCount: Int = 77) throws(ConceptAttentionLossError) {
        self.tokenCount = tokenCount
        self.tokenPositions = try Self.checked(tokenPositions, tokenCount: tokenCount)
    }

    /// Forgets what was captured, for the next forward pass (keeping the positions).
    public func reset() {
        captures.removeAll()
        captureIndex.removeAll()
    }

    /// Forgets what was captured and takes the next batch's positions.
    public func reset(tokenPositions: [[Int]]) throws(ConceptAttentionLossError) {
        self.tokenPositions = try Self.checked(tokenPositions, tokenCount: tokenCount)
        reset()
    }

    /// Registers the loss on every cross-attention layer.
    public func register(on hooks: AttentionHooks) {
        hooks.register(self, on: Self.layerPattern)
    }

    public func capture(layer: String, probabilities: Tensor) {
        guard captureIndex[layer] == nil else { return }
        precondition(probabilities.rank == 4 && probabilities.shape[0] == tokenPositions.count
                     && probabilities.shape[3] == tokenCount,
                     "\(layer): probabilities \(probabilities.shape) do not fit \(tokenPositions.count) samples of \(tokenCount) tokens")
        let (batch, heads, queries) = (probabilities.shape[0], probabilities.shape[1], probabilities.shape[2])
        let dense = probabilities.contiguous()
        var values: [Float] = []
        values.reserveCapacity(heads * queries * tokenPositions.reduce(0) { $0 + $1.count })
        var sumOfSquares = 0.0, mass = 0.0
        dense.withUnsafeBufferPointer { source in
            for sample in 0..<batch {
                let positions = tokenPositions[sample]
                for row in (sample * heads * queries)..<((sample + 1) * heads * queries) {
                    let base = row * tokenCount
                    for position in positions {
                        let value = source[base + position]
                        values.append(value)
                        sumOfSquares += Double(value) * Double(value)
                        mass += Double(value)
                    }
                }
            }
        }
        captureIndex[layer] = captures.count
        captures.append(Capture(layer: layer, shape: probabilities.shape, values: values, sumOfSquares: sumOfSquares,
                                mass: mass / Double(batch * heads * queries)))
    }

    /// The loss over everything captured since the last reset: √(Σ P²) over the concept's positions.
    public var loss: Float {
        Float(captures.reduce(0.0) { $0 + $1.sumOfSquares }.squareRoot())
    }

    /// dL/dP for a captured layer: P / loss at the concept's positions, zero elsewhere ([batch, heads, queries,
    /// tokens]); nil for a layer not captured, or when the loss is zero (the norm has no gradient there).
    public func probabilityGradient(layer: String) -> Tensor? {
        guard let index = captureIndex[layer] else { return nil }
        let total = captures.reduce(0.0) { $0 + $1.sumOfSquares }.squareRoot()
        guard total > 0 else { return nil }
        let capture = captures[index]
        let gradient = Tensor(zeros: capture.shape)
        let (heads, queries) = (capture.shape[1], capture.shape[2])
        let inverse = 1 / total
        gradient.withUnsafeMutableBufferPointer { destination in
            var next = 0
            for sample in 0..<capture.shape[0] {
                let positions = tokenPositions[sample]
                for row in (sample * heads * queries)..<((sample + 1) * heads * queries) {
                    let base = row * tokenCount
                    for position in positions {
                        destination[base + position] = Float(Double(capture.values[next]) * inverse)
                        next += 1
                    }
                }
            }
        }
        return gradient
    }

    /// Per captured layer, in capture order: the mean over samples, heads and queries of the attention probability
    /// on the concept's positions (how much the image still looks at the concept; for reports).
    public var attentionMass: [(layer: String, mass: Float)] {
        captures.map { ($0.layer, Float($0.mass)) }
    }

    private static func checked(_ positions: [[Int]], tokenCount: Int) throws(ConceptAttentionLossError) -> [[Int]] {
        guard !positions.isEmpty else { throw .noSamples }
        for (sample, chosen) in positions.enumerated() {
            if let bad = chosen.first(where: { $0 < 0 || $0 >= tokenCount }) {
                throw .positionOutOfRange(sample: sample, position: bad, tokenCount: tokenCount)
            }
        }
        guard positions.contains(where: { !$0.isEmpty }) else { throw .noPositions }
        return positions.map { Array(Set($0)).sorted() }
    }
}
