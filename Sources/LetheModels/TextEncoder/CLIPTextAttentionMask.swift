import Foundation
import LetheTensor

/// Which keys each query of a CLIP text sequence attends to: keys at or before the query (the causal mask CLIP's
/// text tower always uses), and, given a padding mask (transformers' `attention_mask`), only the keys it keeps.
public struct CLIPTextAttentionMask: Sendable, Equatable {
    public let batch: Int
    public let length: Int
    /// `keptKeys[b · length + j]`: key j of sequence b takes part; nil keeps every key.
    public let keptKeys: [Bool]?

    /// The causal mask alone (diffusers' Stable Diffusion pipelines pass no attention mask).
    public init(causalBatch batch: Int, length: Int) {
        self.batch = batch
        self.length = length
        keptKeys = nil
    }

    /// The causal mask combined with a [batch][length] padding mask: nonzero keeps a token, zero masks it.
    public init(batch: Int, length: Int, paddingMask: [[Int]]) throws {
        guard paddingMask.count == batch, paddingMask.allSatisfy({ $0.count == length }) else {
            throw CLIPTextModelError.wrongShape(
                argument: "attention_mask", expected: [batch, length],
                found: [paddingMask.count, paddingMask.first?.count ?? 0])
        }
        self.batch = batch
        self.length = length
        let kept = paddingMask.flatMap { $0.map { $0 != 0 } }
        keptKeys = kept.allSatisfy { $0 } ? nil : kept
    }

    /// Softmax of attention scores [batch, heads, length, length] over each query's visible keys. Masked entries
    /// are 0, and a query that sees no key at all (left padding) gets all zeros, as torch's SDPA (transformers'
    /// default attention) gives.
    public func softmax(_ scores: Tensor) -> Tensor {
        precondition(scores.rank == 4 && scores.shape[0] == batch && scores.shape[2] == length
                     && scores.shape[3] == length, "attention scores \(scores.shape) do not match the mask [\(batch), _, \(length), \(length)]")
        let heads = scores.shape[1], length = self.length
        let input = scores.contiguous()
        let result = Tensor(zeros: scores.shape)
        let kept = keptKeys ?? [Bool](repeating: true, count: batch * length)
        kept.withUnsafeBufferPointer { kept in
            for sequence in 0..<batch {
                let visible = kept.baseAddress! + sequence * length
                for head in 0..<heads {
                    let plane = (sequence * heads + head) * length * length
                    for query in 0..<length {
                        let source = input.pointer + plane + query * length
                        let destination = result.pointer + plane + query * length
                        var maximum = -Float.infinity, seesAnyKey = false
                        for key in 0...query where visible[key] {
                            maximum = Swift.max(maximum, source[key])
                            seesAnyKey = true
                        }
                        if !seesAnyKey { continue }
                        var total: Float = 0
                        for key in 0...query where visible[key] {
                            let e = Foundation.exp(source[key] - maximum)
                            destination[key] = e
                            total += e
                        }
                        let inverse = 1 / total
                        for key in 0...query { destination[key] *= inverse }
                    }
                }
            }
        }
        return result
    }
}
