import LetheTensor

/// diffusers' `Attention` with its default processor: multi-head scaled dot-product attention between to_q of the
/// input and to_k / to_v of the context, then to_out.0.
///
/// The probabilities are an explicit step (`probabilities(query:key:into:)`: softmax(q·kᵀ·scale) per head) between
/// the scores and the product with the values, so that callers can inspect or replace them. diffusers' upcast_attention
/// and upcast_softmax compute scores and softmax in float32, which is what Lethe always does.
public struct Attention: Sendable {
    /// The diffusers module path, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn2`.
    public let name: String
    public let kind: AttentionKind
    public let heads: Int
    public let headDimension: Int
    /// 1/√headDimension.
    public let scale: Float
    public let toQuery: Linear
    public let toKey: Linear
    public let toValue: Linear
    public let toOut: Linear

    /// The names of the projections inside the layer: diffusers' current ones, or those of checkpoints saved
    /// before diffusers 0.14 for the VAE's attention block (query/key/value/proj_attn), which diffusers renames on load.
    public enum WeightNames: Sendable {
        case current, legacy

        var parts: (query: String, key: String, value: String, out: String) {
            switch self {
            case .current: return ("to_q", "to_k", "to_v", "to_out.0")
            case .legacy: return ("query", "key", "value", "proj_attn")
            }
        }
    }

    /// Loads `NAME.to_q` [heads·headDimension, queryDimension], `to_k`/`to_v` [.., contextDimension] (bias only if
    /// `projectionBias`) and `to_out.0` [queryDimension, heads·headDimension] with bias.
    public init(_ store: WeightStore, name: String, kind: AttentionKind, queryDimension: Int, contextDimension: Int,
                heads: Int, headDimension: Int, projectionBias: Bool = false, weightNames: WeightNames = .current) throws {
        let inner = heads * headDimension
        let parts = weightNames.parts
        self.name = name
        self.kind = kind
        self.heads = heads
        self.headDimension = headDimension
        // As torch's scaled_dot_product_attention: 1/√d in double precision, rounded once.
        scale = Float(1 / Double(headDimension).squareRoot())
        toQuery = try Linear(store, "\(name).\(parts.query)", inFeatures: queryDimension, outFeatures: inner, bias: projectionBias)
        toKey = try Linear(store, "\(name).\(parts.key)", inFeatures: contextDimension, outFeatures: inner, bias: projectionBias)
        toValue = try Linear(store, "\(name).\(parts.value)", inFeatures: contextDimension, outFeatures: inner, bias: projectionBias)
        toOut = try Linear(store, "\(name).\(parts.out)", inFeatures: inner, outFeatures: queryDimension)
    }

    /// Query rows per block are chosen so that one block of probabilities holds about this many values (1 MB, in
    /// cache between the scores, the softmax and the product with the values), instead of a [B·heads, N, M] tensor
    /// (1 GB for SD at 512²).
    public static let probabilityBlockElements = 1 << 18

    /// hiddenStates [B, N, queryDimension] attending over `context` [B, M, contextDimension] (itself when nil)
    /// → [B, N, queryDimension]. Each head's probabilities are computed for a block of query rows at a time.
    public func callAsFunction(_ hiddenStates: Tensor, context: Tensor? = nil) -> Tensor {
        forward(hiddenStates, context: context, tape: nil)
    }

    /// Query rows per block for `keys` keys, so that a block of probabilities holds about
    /// `probabilityBlockElements` values.
    func rowsPerBlock(queries: Int, keys: Int) -> Int {
        Swift.max(1, Swift.min(queries, Attention.probabilityBlockElements / Swift.max(keys, 1)))
    }

    /// softmax(q·kᵀ·scale)·v per head, a block of query rows at a time: query [B·heads, N, d], key and value
    /// [B·heads, M, d] → [B·heads, N, d], with no [B·heads, N, M] tensor.
    func attendBlockwise(query: Tensor, key: Tensor, value: Tensor) -> Tensor {
        let (slices, queries, keys) = (query.shape[0], query.shape[1], key.shape[1])
        let output = Tensor(zeros: [slices, queries, headDimension])
        let rowsPerBlock = rowsPerBlock(queries: queries, keys: keys)
        let block = Tensor(zeros: [rowsPerBlock, keys])
        for slice in 0..<slices {
            let (q, k, v, out) = (query[index: slice], key[index: slice], value[index: slice], output[index: slice])
            for start in stride(from: 0, to: queries, by: rowsPerBlock) {
                let rows = Swift.min(rowsPerBlock, queries - start)
                let weights = block.narrowed(axis: 0, start: 0, length: rows)
                probabilities(query: q.narrowed(axis: 0, start: start, length: rows), key: k, into: weights)
                weights.matmul(v, into: out.narrowed(axis: 0, start: start, length: rows))
            }
        }
        return output
    }

    /// [B, N, heads·d] → [B·heads, N, d], one dense copy so that each head's matrices are contiguous.
    public func splitHeads(_ projected: Tensor) -> Tensor {
        let (batch, length) = (projected.shape[0], projected.shape[1])
        return projected.reshaped([batch, length, heads, headDimension]).permuted([0, 2, 1, 3]).contiguous()
            .reshaped([batch * heads, length, headDimension])
    }

    /// [B·heads, N, d] → [B, N, heads·d].
    public func mergeHeads(_ perHead: Tensor) -> Tensor {
        let (length, batch) = (perHead.shape[1], perHead.shape[0] / heads)
        return perHead.reshaped([batch, heads, length, headDimension]).permuted([0, 2, 1, 3]).contiguous()
            .reshaped([batch, length, heads * headDimension])
    }

    /// softmax(q·kᵀ·scale) over the keys for one head: query rows [R, d], key [M, d], written into `probabilities`
    /// [R, M] (contiguous). The step the forward pass takes for every block of rows.
    public func probabilities(query: Tensor, key: Tensor, into probabilities: Tensor) {
        query.matmul(key, transposeOther: true, into: probabilities)
        probabilities.softmaxInPlace(scale: scale)
    }

    /// All probabilities at once: query [B·heads, N, d], key [B·heads, M, d] → [B·heads, N, M] (for inspection;
    /// the forward pass computes them blockwise).
    public func probabilities(query: Tensor, key: Tensor) -> Tensor {
        let scores = query.batchedMatmul(key, transposeOther: true)
        scores.softmaxInPlace(scale: scale)
        return scores
    }

    /// probabilities [B·heads, N, M] · value [B·heads, M, d], heads merged → [B, N, heads·d].
    public func attend(probabilities: Tensor, value: Tensor) -> Tensor {
        mergeHeads(probabilities.batchedMatmul(value))
    }
}
