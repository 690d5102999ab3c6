import LetheTensor

/// transformers' CLIPTextEmbeddings: token embedding rows plus the position embedding rows 0..<length.
public struct CLIPTextEmbeddings: Sendable {
    /// [vocab_size, hidden_size]
    public let tokenEmbedding: Tensor
    /// [max_position_embeddings, hidden_size]
    public let positionEmbedding: Tensor

    /// Loads `{checkpointPrefix}embeddings.{token,position}_embedding.weight` (checkpointPrefix: "text_model." or "").
    public init(_ store: WeightStore, checkpointPrefix: String, configuration: CLIPTextConfiguration) throws {
        let prefix = checkpointPrefix + "embeddings"
        tokenEmbedding = try store.tensor("\(prefix).token_embedding.weight",
                                          shape: [configuration.vocabSize, configuration.hiddenSize])
        positionEmbedding = try store.tensor("\(prefix).position_embedding.weight",
                                             shape: [configuration.maxPositionEmbeddings, configuration.hiddenSize])
        // A buffer older transformers versions saved; transformers ignores it on load.
        store.ignoreIfPresent("\(prefix).position_ids")
    }

    public var vocabularySize: Int { tokenEmbedding.shape[0] }
    public var hiddenSize: Int { tokenEmbedding.shape[1] }
    public var maxPositions: Int { positionEmbedding.shape[0] }

    /// The token embedding rows of `ids` → a new [batch, length, hidden] tensor (textual inversion may overwrite
    /// rows of it before `addingPositions`).
    public func tokenEmbeddings(for ids: CLIPTextTokenIDs) throws -> Tensor {
        let (vocabulary, width) = (vocabularySize, hiddenSize)
        for (flat, id) in ids.values.enumerated() where id < 0 || id >= vocabulary {
            throw CLIPTextModelError.tokenIDOutOfRange(id: Int64(id), row: flat / ids.length,
                                                       position: flat % ids.length, vocabularySize: vocabulary)
        }
        let table = tokenEmbedding.contiguous()
        let result = Tensor(zeros: [ids.batch, ids.length, width])
        let source = table.pointer, destination = result.pointer
        for (flat, id) in ids.values.enumerated() {
            (destination + flat * width).update(from: source + id * width, count: width)
        }
        return result
    }

    /// Token embeddings [batch, length, hidden] plus position embeddings 0..<length → a new tensor.
    public func addingPositions(to tokenEmbeddings: Tensor) throws -> Tensor {
        let width = hiddenSize
        guard tokenEmbeddings.rank == 3, tokenEmbeddings.shape[0] > 0, tokenEmbeddings.shape[1] > 0,
              tokenEmbeddings.shape[2] == width else {
            throw CLIPTextModelError.wrongShape(argument: "token embeddings", expected: [-1, -1, width],
                                                found: tokenEmbeddings.shape)
        }
        let (batch, length) = (tokenEmbeddings.shape[0], tokenEmbeddings.shape[1])
        guard length <= maxPositions else {
            throw CLIPTextModelError.sequenceTooLong(length: length, maximum: maxPositions)
        }
        let result = tokenEmbeddings.copy()
        let positions = positionEmbedding.contiguous()
        let rowCount = length * width
        let source = positions.pointer, destination = result.pointer
        for sequence in 0..<batch {
            let row = destination + sequence * rowCount
            for index in 0..<rowCount { row[index] += source[index] }
        }
        return result
    }
}

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
