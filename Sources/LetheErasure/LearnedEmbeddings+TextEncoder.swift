import Foundation
import LetheIO
import LetheModels
import LetheTensor

extension LearnedEmbeddings {
    /// A tokenizer and text encoder with new tokens: the tokens are added to the tokenizer (each must be new:
    /// diffusers refuses a placeholder the tokenizer has) and their rows appended to the token-embedding table, in
    /// that id order. Returns the ids of the new tokens of each entry and the text encoder's weight store (for
    /// training some of its rows).
    public static func extend(tokenizer: CLIPTokenizer, textEncoderFolder folder: DiffusersModelFolder,
                              adding rows: [(tokens: [String], vectors: Tensor)])
        throws -> (tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, store: WeightStore, ids: [[Int]]) {
        var tokenizer = tokenizer
        var configuration = try CLIPTextConfiguration(contentsOf: folder.componentFile("text_encoder", "config.json"))
        let checkpoint = try folder.weights(of: "text_encoder")
        var ids: [[Int]] = []
        var appended: [Tensor] = []
        for entry in rows {
            guard entry.vectors.rank == 2, entry.vectors.shape[1] == configuration.hiddenSize,
                  entry.vectors.shape[0] == entry.tokens.count else {
                throw ErasureError.invalidArgument(
                    name: "--embedding",
                    reason: "has vectors of shape \(entry.vectors.shape), but the text encoder's hidden size is \(configuration.hiddenSize)")
            }
            var entryIDs: [Int] = []
            for token in entry.tokens {
                guard token.trimmingCharacters(in: .whitespaces) == token, !token.isEmpty, !token.contains(" ") else {
                    throw ErasureError.invalidArgument(name: "--token", reason: "is '\(token)'; a placeholder is one word without spaces")
                }
                guard tokenizer.tokenID(for: token) == nil, tokenizer.addTokens([token]) == 1,
                      let id = tokenizer.tokenID(for: token) else {
                    throw ErasureError.tokenExists(token: token)
                }
                entryIDs.append(id)
            }
            ids.append(entryIDs)
            appended.append(entry.vectors.contiguous())
        }
        let added = appended.reduce(0) { $0 + $1.shape[0] }
        let reader = try AppendedRowsCheckpoint(base: checkpoint, rows: appended.isEmpty ? nil : Tensor.concatenate(appended, axis: 0))
        let expectedFirst = configuration.vocabSize
        configuration.vocabSize += added
        if let first = ids.first?.first, first != expectedFirst {
            throw ErasureError.invalidArgument(
                name: "--model",
                reason: "has a tokenizer whose next id is \(first) but a text encoder of \(expectedFirst) token rows; they must agree to add tokens")
        }
        let store = WeightStore(checkpoint: reader)
        let textEncoder = try CLIPTextModel(configuration: configuration, weights: store)
        try store.finish()
        return (tokenizer, textEncoder, store, ids)
    }
}

/// A text-encoder checkpoint whose token-embedding table has extra rows at the end.
struct AppendedRowsCheckpoint: SafeTensorsReader {
    let base: any SafeTensorsReader
    let tableName: String
    let table: Tensor?

    init(base: any SafeTensorsReader, rows: Tensor?) throws {
        self.base = base
        tableName = base.info(named: "text_model.embeddings.token_embedding.weight") != nil
            ? "text_model.embeddings.token_embedding.weight" : "embeddings.token_embedding.weight"
        if let rows {
            let original = try base.tensor(named: tableName)
            table = Tensor.concatenate([original, rows], axis: 0)
        } else {
            table = nil
        }
    }

    var location: String { base.location }
    var tensorNames: [String] { base.tensorNames }

    func info(named name: String) -> SafeTensorInfo? {
        guard name == tableName, let table else { return base.info(named: name) }
        return SafeTensorInfo(name: name, dtype: .f32, shape: table.shape, byteRange: 0..<(table.count * 4))
    }

    func tensor(named name: String) throws(SafeTensorsError) -> Tensor {
        guard name == tableName, let table else { return try base.tensor(named: name) }
        return table
    }

    func int64Values(named name: String) throws(SafeTensorsError) -> [Int64] {
        try base.int64Values(named: name)
    }

    func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard name == tableName, let table else { return try base.withRawBytes(named: name, body) }
        return try body(UnsafeRawBufferPointer(start: table.pointer, count: table.count * 4))
    }
}
