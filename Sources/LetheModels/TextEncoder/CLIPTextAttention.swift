import LetheTensor

/// transformers' CLIPAttention (self-attention of one text encoder layer), with its module name
/// (`text_model.encoder.layers.N.self_attn`) so later stages can find it and reach its probabilities.
///
/// The steps stay separate: `scores` (q·kᵀ·scale), `mask.softmax` (the attention probabilities), `output`
/// (probabilities·v, heads merged, out_proj).
public struct CLIPTextAttention: Sendable {
    public let name: String
    public let heads: Int
    public let headDimension: Int
    /// head_dim^-0.5, applied to the scores.
    public let scale: Float
    public let queryProjection: Linear
    public let keyProjection: Linear
    public let valueProjection: Linear
    public let outputProjection: Linear

    /// Loads `PREFIX.{q,k,v,out}_proj.{weight,bias}`.
    public init(_ store: WeightStore, _ prefix: String, name: String, hiddenSize: Int, heads: Int) throws {
        precondition(heads > 0 && hiddenSize % heads == 0, "hidden size \(hiddenSize) does not split into \(heads) heads")
        self.name = name
        self.heads = heads
        headDimension = hiddenSize / heads
        scale = Float(1 / Double(headDimension).squareRoot())
        keyProjection = try Linear(store, "\(prefix).k_proj", inFeatures: hiddenSize, outFeatures: hiddenSize)
        valueProjection = try Linear(store, "\(prefix).v_proj", inFeatures: hiddenSize, outFeatures: hiddenSize)
        queryProjection = try Linear(store, "\(prefix).q_proj", inFeatures: hiddenSize, outFeatures: hiddenSize)
        outputProjection = try Linear(store, "\(prefix).out_proj", inFeatures: hiddenSize, outFeatures: hiddenSize)
    }

    /// Self-attention of hidden states [batch, length, hidden] → [batch, length, hidden].
    public func callAsFunction(_ hiddenStates: Tensor, mask: CLIPTextAttentionMask) -> Tensor {
        forward(hiddenStates, mask: mask, tape: nil)
    }

    /// [batch, length, heads·headDimension] → dense [batch·heads, length, headDimension].
    public func splitHeads(_ projected: Tensor) -> Tensor {
        let (batch, length) = (projected.shape[0], projected.shape[1])
        return projected.reshaped([batch, length, heads, headDimension]).permuted([0, 2, 1, 3]).copy()
            .reshaped([batch * heads, length, headDimension])
    }

    /// Scaled scores q·kᵀ·scale of split heads → [batch, heads, length, length].
    public func scores(query: Tensor, key: Tensor, batch: Int) -> Tensor {
        let length = query.shape[1]
        let scores = query.batchedMatmul(key, transposeOther: true)
        scores.scaleInPlace(by: scale)
        return scores.reshaped([batch, heads, length, length])
    }

    /// Probabilities [batch, heads, length, length] · split-head values, heads merged, through out_proj.
    public func output(probabilities: Tensor, value: Tensor) -> Tensor {
        outputProjection(attend(probabilities: probabilities, value: value))
    }

    /// Probabilities [batch, heads, length, length] · split-head values, heads merged → [batch, length, hidden]
    /// (the input of out_proj).
    public func attend(probabilities: Tensor, value: Tensor) -> Tensor {
        let (batch, length) = (probabilities.shape[0], probabilities.shape[2])
        return mergeHeads(probabilities.reshaped([batch * heads, length, length]).batchedMatmul(value))
    }

    /// Dense [batch·heads, length, headDimension] → [batch, length, heads·headDimension].
    public func mergeHeads(_ perHead: Tensor) -> Tensor {
        let (length, batch) = (perHead.shape[1], perHead.shape[0] / heads)
        return perHead.reshaped([batch, heads, length, headDimension]).permuted([0, 2, 1, 3])
            .reshaped([batch, length, heads * headDimension])
    }
}
