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

    /// Query rows per block are chosen so that one block of probabilities holds about this many values (2 MB, in
    /// cache between the scores, the softmax and the product with the values), instead of a [B·heads, N, M] tensor
    /// (1 GB for SD at 512²). Twice as many as 1 MB's rows made SD 1.5's 64×64 self-attention about 5 % faster
    /// forward and backward: the backward's dk and dv products (inner dimension = rows) pack their operands once
    /// per block.
    public static let probabilityBlockElements = 1 << 19

    /// Query rows per block for `keys` keys, so that a block of probabilities holds about
    /// `probabilityBlockElements` values.
    func rowsPerBlock(queries: Int, keys: Int) -> Int {
        Swift.max(1, Swift.min(queries, Attention.probabilityBlockElements / Swift.max(keys, 1)))
    }

    /// softmax(q·kᵀ·scale)·v per head, a block of query rows at a time: query [B·heads, N, d], key and value
    /// [B·heads, M, d] → [B·heads, N, d], with no [B·heads, N, M] tensor. The blocks are independent, so they are
    /// shared out over the cores, each worker running its products single-threaded with its own block of
    /// probabilities: one block's products are too small to hand to OpenBLAS's threads and back.
    func attendBlockwise(query: Tensor, key: Tensor, value: Tensor) -> Tensor {
        let (slices, queries, keys) = (query.shape[0], query.shape[1], key.shape[1])
        let output = Tensor(unfilled: [slices, queries, headDimension])
        let rowsPerBlock = rowsPerBlock(queries: queries, keys: keys)
        let blocksPerSlice = (queries + rowsPerBlock - 1) / rowsPerBlock
        let scratch = (0..<Swift.max(1, BLASThreads.count)).map { _ in Tensor(unfilled: [rowsPerBlock, keys]) }
        BLASThreads.parallel(tasks: slices * blocksPerSlice) { worker, task in
            let (slice, start) = (task / blocksPerSlice, (task % blocksPerSlice) * rowsPerBlock)
            let rows = Swift.min(rowsPerBlock, queries - start)
            let weights = scratch[worker].narrowed(axis: 0, start: 0, length: rows)
            probabilities(query: query[index: slice].narrowed(axis: 0, start: start, length: rows), key: key[index: slice],
                          into: weights, parallel: false)
            weights.matmul(value[index: slice], into: output[index: slice].narrowed(axis: 0, start: start, length: rows))
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
    public func probabilities(query: Tensor, key: Tensor, into probabilities: Tensor, parallel: Bool = true) {
        query.matmul(key, transposeOther: true, into: probabilities)
        probabilities.softmaxInPlace(scale: scale, parallel: parallel)
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

extension Attention {
    /// hiddenStates [B, N, queryDimension] attending over `context` [B, M, contextDimension] (itself when nil:
    /// self-attention) → [B, N, queryDimension], saving what backward needs and calling the hooks registered on
    /// this layer's name.
    ///
    /// Without hooks the probabilities are computed a block of query rows at a time and never kept: the tape holds
    /// the split-head q, k, v, from which backward recomputes them. With hooks the layer computes all of its
    /// probabilities [B, heads, N, M], shows them to every hook, and keeps them for backward.
    public func forward(_ hiddenStates: Tensor, context: Tensor?, tape: ActivationTape? = nil) -> Tensor {
        let source = context ?? hiddenStates
        precondition(hiddenStates.rank == 3 && source.rank == 3 && source.shape[0] == hiddenStates.shape[0],
                     "\(name): expected [B, N, C] inputs with one batch size, got \(hiddenStates.shape) and \(source.shape)")
        let query = splitHeads(toQuery.forward(hiddenStates, tape: tape))
        let key = splitHeads(toKey.forward(source, tape: tape))
        let value = splitHeads(toValue.forward(source, tape: tape))
        let hooks = tape.map { $0.hooks.isEmpty ? [] : $0.hooks.hooks(for: name) } ?? []
        let perHead: Tensor
        let kept: Tensor?
        if hooks.isEmpty {
            perHead = attendBlockwise(query: query, key: key, value: value)
            kept = nil
        } else {
            let probabilities = self.probabilities(query: query, key: key)
            let shown = probabilities.reshaped([hiddenStates.shape[0], heads, query.shape[1], key.shape[1]])
            for hook in hooks { hook.capture(layer: name, probabilities: shown) }
            perHead = probabilities.batchedMatmul(value)
            kept = probabilities
        }
        tape?.save(context == nil)
        tape?.save(query)
        tape?.save(key)
        tape?.save(value)
        tape?.save(kept)
        return toOut.forward(mergeHeads(perHead), tape: tape)
    }

    /// Gradients with respect to the hidden states and the context (nil for self-attention, whose key/value
    /// gradient is included in `hiddenStates`).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (hiddenStates: Tensor, context: Tensor?) {
        let perHeadGradient = splitHeads(toOut.inputGradient(outputGradient, tape: tape, gradients: gradients))
        let kept: Tensor? = tape.restore()
        let value: Tensor = tape.restore()
        let key: Tensor = tape.restore()
        let query: Tensor = tape.restore()
        let isSelfAttention: Bool = tape.restore()
        let (queryGradient, keyGradient, valueGradient) = if let kept {
            headGradients(outputGradient: perHeadGradient, probabilities: kept, query: query, key: key, value: value,
                          hooks: tape.hooks.hooks(for: name))
        } else {
            headGradientsBlockwise(outputGradient: perHeadGradient, query: query, key: key, value: value)
        }
        let source = toValue.inputGradient(mergeHeads(valueGradient), tape: tape, gradients: gradients)
        source.addInPlace(toKey.inputGradient(mergeHeads(keyGradient), tape: tape, gradients: gradients))
        let hidden = toQuery.inputGradient(mergeHeads(queryGradient), tape: tape, gradients: gradients)
        if isSelfAttention {
            hidden.addInPlace(source)
            return (hidden, nil)
        }
        return (hidden, source)
    }

    /// dq, dk, dv [B·heads, *, d] from dO [B·heads, N, d] with the kept probabilities [B·heads, N, M], adding each
    /// hook's gradient with respect to the probabilities to the one flowing back from the output.
    private func headGradients(outputGradient: Tensor, probabilities: Tensor, query: Tensor, key: Tensor,
                               value: Tensor, hooks: [AttentionHook]) -> (Tensor, Tensor, Tensor) {
        let probabilityGradient = outputGradient.batchedMatmul(value, transposeOther: true)
        for hook in hooks {
            guard let extra = hook.probabilityGradient(layer: name) else { continue }
            let expected = [probabilities.shape[0] / heads, heads, probabilities.shape[1], probabilities.shape[2]]
            precondition(extra.shape == expected,
                         "\(name): a hook's probability gradient has shape \(extra.shape), expected \(expected)")
            probabilityGradient.addInPlace(extra.reshaped(probabilities.shape))
        }
        let valueGradient = probabilities.batchedMatmul(outputGradient, transposeSelf: true)
        // dP becomes dS, the gradient of the raw scores q·kᵀ.
        probabilityGradient.softmaxBackwardInPlace(probabilities: probabilities, scale: scale)
        let queryGradient = probabilityGradient.batchedMatmul(key)
        let keyGradient = probabilityGradient.batchedMatmul(query, transposeSelf: true)
        return (queryGradient, keyGradient, valueGradient)
    }

    /// dq, dk, dv as `headGradients`, recomputing the probabilities a block of query rows at a time from q and k.
    /// Rows are complete in every block, so the softmax backward is row-local; dk and dv sum over the blocks of a
    /// slice in order, so the slices (not the blocks) are shared out over the cores, each worker with its own
    /// scratch and single-threaded products.
    private func headGradientsBlockwise(outputGradient: Tensor, query: Tensor, key: Tensor,
                                        value: Tensor) -> (Tensor, Tensor, Tensor) {
        let (slices, queries, keys) = (query.shape[0], query.shape[1], key.shape[1])
        // Every row of these is written by its block's products (dk and dv: by the first block's, then the later
        // blocks' products add to them, as sgemm's beta = 1); with no query rows there is no block, and dk, dv are zero.
        let queryGradient = Tensor(unfilled: query.shape)
        let keyGradient = queries == 0 ? Tensor(zeros: key.shape) : Tensor(unfilled: key.shape)
        let valueGradient = queries == 0 ? Tensor(zeros: value.shape) : Tensor(unfilled: value.shape)
        let rowsPerBlock = rowsPerBlock(queries: queries, keys: keys)
        // Per worker: a block of probabilities and one of their gradients.
        let scratch = (0..<Swift.max(1, BLASThreads.count)).map { _ in
            (p: Tensor(unfilled: [rowsPerBlock, keys]), dS: Tensor(unfilled: [rowsPerBlock, keys]))
        }
        BLASThreads.parallel(tasks: slices) { worker, slice in
            let (q, k, v) = (query[index: slice], key[index: slice], value[index: slice])
            let (dO, dQ) = (outputGradient[index: slice], queryGradient[index: slice])
            let (dK, dV) = (keyGradient[index: slice], valueGradient[index: slice])
            for start in stride(from: 0, to: queries, by: rowsPerBlock) {
                let rows = Swift.min(rowsPerBlock, queries - start)
                let qRows = q.narrowed(axis: 0, start: start, length: rows)
                let dORows = dO.narrowed(axis: 0, start: start, length: rows)
                let p = scratch[worker].p.narrowed(axis: 0, start: 0, length: rows)
                let dS = scratch[worker].dS.narrowed(axis: 0, start: 0, length: rows)
                probabilities(query: qRows, key: k, into: p, parallel: false)
                p.matmul(dORows, transposeSelf: true, into: dV, adding: start > 0)
                dORows.matmul(v, transposeOther: true, into: dS)
                dS.softmaxBackwardInPlace(probabilities: p, scale: scale, parallel: false)
                dS.matmul(k, into: dQ.narrowed(axis: 0, start: start, length: rows))
                dS.matmul(qRows, transposeSelf: true, into: dK, adding: start > 0)
            }
        }
        return (queryGradient, keyGradient, valueGradient)
    }
}

/// Whether an attention layer attends over its own input or over the text encoder's hidden states.
public enum AttentionKind: String, Sendable, Equatable {
    /// `attn1` of a transformer block, and the VAE's mid-block attention.
    case selfAttention = "self"
    /// `attn2` of a transformer block: queries from the image, keys and values from the text.
    case crossAttention = "cross"
}
