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
        outputProjection.forward(attend(probabilities: probabilities, value: value))
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

extension CLIPTextAttention {
    /// Self-attention of hidden states [batch, length, hidden] → [batch, length, hidden]. With a tape it calls the
    /// hooks registered on `name` with the probabilities [batch, heads, length, length] and saves the input, the
    /// split-head q, k, v and the probabilities (a text sequence is short, so they are kept rather than recomputed).
    public func forward(_ hiddenStates: Tensor, mask: CLIPTextAttentionMask, tape: ActivationTape? = nil) -> Tensor {
        let query = splitHeads(queryProjection.forward(hiddenStates))
        let key = splitHeads(keyProjection.forward(hiddenStates))
        let value = splitHeads(valueProjection.forward(hiddenStates))
        let probabilities = mask.softmax(scores(query: query, key: key, batch: hiddenStates.shape[0]))
        if let tape {
            for hook in tape.hooks.hooks(for: name) { hook.capture(layer: name, probabilities: probabilities) }
            tape.save(hiddenStates)
            tape.save(query)
            tape.save(key)
            tape.save(value)
            tape.save(probabilities)
        }
        return outputProjection.forward(attend(probabilities: probabilities, value: value), tape: tape)
    }

    /// dL/d(hidden states) from dL/d(output) [batch, length, hidden]; accumulates the projections' weight gradients.
    /// Masked probabilities are 0, so the softmax backward gives their scores no gradient, as the −∞ mask does.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let contextGradient = splitHeads(outputProjection.inputGradient(outputGradient, tape: tape, gradients: gradients))
        let probabilities: Tensor = tape.restore()
        let value: Tensor = tape.restore()
        let key: Tensor = tape.restore()
        let query: Tensor = tape.restore()
        let input: Tensor = tape.restore()
        let (batch, length) = (probabilities.shape[0], probabilities.shape[2])
        let slices = probabilities.reshaped([batch * heads, length, length])

        let valueGradient = slices.batchedMatmul(contextGradient, transposeSelf: true)
        let scoreGradient = contextGradient.batchedMatmul(value, transposeOther: true)
        for hook in tape.hooks.hooks(for: name) {
            guard let extra = hook.probabilityGradient(layer: name) else { continue }
            precondition(extra.shape == probabilities.shape,
                         "\(name): a hook's probability gradient \(extra.shape) must have shape \(probabilities.shape)")
            scoreGradient.addInPlace(extra.reshaped(scoreGradient.shape))
        }
        // Now dL/dP; in place it becomes dL/d(q·kᵀ), the scale included.
        scoreGradient.softmaxBackwardInPlace(probabilities: slices, scale: scale)
        let queryGradient = scoreGradient.batchedMatmul(key)
        let keyGradient = scoreGradient.batchedMatmul(query, transposeSelf: true)

        let inputGradient = projectionBackward(queryProjection, mergeHeads(queryGradient), input: input, gradients)
        inputGradient.addInPlace(projectionBackward(keyProjection, mergeHeads(keyGradient), input: input, gradients))
        inputGradient.addInPlace(projectionBackward(valueProjection, mergeHeads(valueGradient), input: input, gradients))
        return inputGradient
    }

    /// One of q/k/v_proj, whose input (shared by the three) was saved once.
    private func projectionBackward(_ projection: Linear, _ outputGradient: Tensor, input: Tensor,
                                    _ gradients: ParameterGradients) -> Tensor {
        guard let inputGradient = outputGradient.linearBackward(
            input: input, weight: projection.weight, weightGradient: gradients.gradient(for: projection.weight),
            biasGradient: projection.bias.flatMap(gradients.gradient(for:))) else {
            preconditionFailure("linearBackward returned no input gradient although it was asked for one")
        }
        return inputGradient
    }
}
