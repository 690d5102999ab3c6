import LetheTensor

extension CLIPTextEmbeddings {
    /// Backward of `addingPositions(to:)`: accumulates the position embedding gradient (rows 0..<length, summed
    /// over the batch) if it trains. dL/d(token embeddings) is `gradient` itself, which is returned.
    @discardableResult
    public func addingPositionsBackward(_ gradient: Tensor, gradients: ParameterGradients) -> Tensor {
        guard let target = gradients.gradient(for: positionEmbedding) else { return gradient }
        precondition(gradient.rank == 3 && gradient.shape[2] == hiddenSize && gradient.shape[1] <= maxPositions,
                     "position embedding backward: gradient \(gradient.shape) is not [batch, ≤\(maxPositions), \(hiddenSize)]")
        let source = gradient.contiguous()
        let rowCount = source.shape[1] * hiddenSize
        let destination = target.pointer
        for sequence in 0..<source.shape[0] {
            let rows = source.pointer + sequence * rowCount
            for index in 0..<rowCount { destination[index] += rows[index] }
        }
        return gradient
    }

    /// Backward of `tokenEmbeddings(for:)`: adds each position's gradient ([batch, length, hidden]) to the row of
    /// its token id in the token embedding gradient — the whole table if it trains, or only the selected rows
    /// (textual inversion), whose other positions are skipped.
    public func tokenEmbeddingsBackward(_ gradient: Tensor, ids: CLIPTextTokenIDs, gradients: ParameterGradients) {
        precondition(gradient.shape == [ids.batch, ids.length, hiddenSize],
                     "token embedding backward: gradient \(gradient.shape) does not match ids [\(ids.batch), \(ids.length)]")
        let rows = gradient.contiguous().reshaped([ids.batch * ids.length, hiddenSize])
        if let table = gradients.gradient(for: tokenEmbedding) {
            rows.scatterAddRows(ids.values, into: table)
        } else if let selection = gradients.rowGradient(for: tokenEmbedding) {
            // Where each trained id's row sits in the gradient.
            let slot = Dictionary(selection.rows.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            let positions = ids.values.indices.filter { slot[ids.values[$0]] != nil }
            guard !positions.isEmpty else { return }
            let picked = Tensor(zeros: [positions.count, hiddenSize])
            for (index, position) in positions.enumerated() {
                (picked.pointer + index * hiddenSize).update(from: rows.pointer + position * hiddenSize, count: hiddenSize)
            }
            picked.scatterAddRows(positions.compactMap { slot[ids.values[$0]] }, into: selection.gradient)
        }
    }
}
