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
