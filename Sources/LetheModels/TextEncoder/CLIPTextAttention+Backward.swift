import LetheTensor

extension CLIPTextAttention {
    /// The forward pass of `callAsFunction(_:mask:)`. With a tape it calls the hooks registered on `name` with the
    /// probabilities [batch, heads, length, length] and saves the input, the split-head q, k, v and the
    /// probabilities (a text sequence is short, so they are kept rather than recomputed).
    public func forward(_ hiddenStates: Tensor, mask: CLIPTextAttentionMask, tape: ActivationTape?) -> Tensor {
        let query = splitHeads(queryProjection(hiddenStates))
        let key = splitHeads(keyProjection(hiddenStates))
        let value = splitHeads(valueProjection(hiddenStates))
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
