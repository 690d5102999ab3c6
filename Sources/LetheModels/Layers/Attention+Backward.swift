import LetheTensor

extension Attention {
    /// The forward pass (context nil: self-attention), saving what backward needs and calling the hooks
    /// registered on this layer's name.
    ///
    /// Without hooks the probabilities are computed a block of query rows at a time and never kept: the tape holds
    /// the split-head q, k, v, from which backward recomputes them. With hooks the layer computes all of its
    /// probabilities [B, heads, N, M], shows them to every hook, and keeps them for backward.
    public func forward(_ hiddenStates: Tensor, context: Tensor?, tape: ActivationTape?) -> Tensor {
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
    /// Rows are complete in every block, so the softmax backward is row-local; dk and dv sum over the blocks.
    private func headGradientsBlockwise(outputGradient: Tensor, query: Tensor, key: Tensor,
                                        value: Tensor) -> (Tensor, Tensor, Tensor) {
        let (slices, queries, keys) = (query.shape[0], query.shape[1], key.shape[1])
        let queryGradient = Tensor(zeros: query.shape)
        let keyGradient = Tensor(zeros: key.shape)
        let valueGradient = Tensor(zeros: value.shape)
        let rowsPerBlock = rowsPerBlock(queries: queries, keys: keys)
        let probabilityBlock = Tensor(zeros: [rowsPerBlock, keys])
        let gradientBlock = Tensor(zeros: [rowsPerBlock, keys])
        // The first block writes dk and dv directly; later blocks go through this and are added.
        let partial = Tensor(zeros: [keys, headDimension])
        for slice in 0..<slices {
            let (q, k, v) = (query[index: slice], key[index: slice], value[index: slice])
            let (dO, dQ) = (outputGradient[index: slice], queryGradient[index: slice])
            let (dK, dV) = (keyGradient[index: slice], valueGradient[index: slice])
            for start in stride(from: 0, to: queries, by: rowsPerBlock) {
                let rows = Swift.min(rowsPerBlock, queries - start)
                let qRows = q.narrowed(axis: 0, start: start, length: rows)
                let dORows = dO.narrowed(axis: 0, start: start, length: rows)
                let p = probabilityBlock.narrowed(axis: 0, start: 0, length: rows)
                let dS = gradientBlock.narrowed(axis: 0, start: 0, length: rows)
                probabilities(query: qRows, key: k, into: p)
                accumulate(start == 0, into: dV, scratch: partial) { p.matmul(dORows, transposeSelf: true, into: $0) }
                dORows.matmul(v, transposeOther: true, into: dS)
                dS.softmaxBackwardInPlace(probabilities: p, scale: scale)
                dS.matmul(k, into: dQ.narrowed(axis: 0, start: start, length: rows))
                accumulate(start == 0, into: dK, scratch: partial) { dS.matmul(qRows, transposeSelf: true, into: $0) }
            }
        }
        return (queryGradient, keyGradient, valueGradient)
    }

    /// Runs `product` writing into `target` (first contribution) or into `scratch` then adds it to `target`.
    private func accumulate(_ first: Bool, into target: Tensor, scratch: Tensor, _ product: (Tensor) -> Void) {
        if first {
            product(target)
        } else {
            product(scratch)
            target.addInPlace(scratch)
        }
    }
}
