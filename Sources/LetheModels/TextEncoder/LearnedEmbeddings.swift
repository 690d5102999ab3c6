import Foundation
import LetheIO
import LetheTensor

/// Learned textual-inversion vectors and the placeholder token they belong to: the `learned_embeds.safetensors`
/// file of diffusers' textual-inversion example, which `load_textual_inversion` reads.
///
/// The file holds one tensor named after the placeholder, [vectors, hidden] (or [hidden] for one vector). Vector i
/// > 0 belongs to the token `<placeholder>_i`, as diffusers names them, and a prompt's placeholder expands to all of
/// them in order.
public struct LearnedEmbeddings: Sendable {
    public let token: String
    /// [vectors, hidden].
    public let vectors: Tensor

    public init(token: String, vectors: Tensor) {
        precondition(vectors.rank == 2 && vectors.shape[0] > 0, "learned embeddings are [vectors, hidden]")
        self.token = token
        self.vectors = vectors.contiguous()
    }

    /// The tokens the vectors are added as: the placeholder, then `placeholder_1`, `placeholder_2`, ...
    public var tokens: [String] { [token] + (1..<vectors.shape[0]).map { "\(token)_\($0)" } }

    /// What a prompt's placeholder stands for: every token, space-separated.
    public var expansion: String { tokens.joined(separator: " ") }

    /// Width of each vector (the text encoder's hidden size).
    public var width: Int { vectors.shape[1] }

    /// `prompt` with the placeholder replaced by all its tokens (diffusers' `maybe_convert_prompt`).
    public func expanding(_ prompt: String) -> String {
        vectors.shape[0] == 1 ? prompt : prompt.replacingOccurrences(of: token, with: expansion)
    }

    /// Reads a file in diffusers' format (one tensor named after its token) or the A1111 safetensors format (a
    /// tensor `emb_params`, whose token is then the file's name without extension, as `<name>`).
    public init(contentsOf url: URL) throws {
        try self.init(url: url) { () throws(SafeTensorsError) in try SafeTensorsFile.open(url) }
    }

    /// The same from the bytes of such a file (a file decrypted in memory); `url` names it and its token.
    public init(safetensors bytes: [UInt8], url: URL) throws {
        try self.init(url: url) { () throws(SafeTensorsError) in try SafeTensorsFile.open(bytes: bytes, url: url) }
    }

    private init(url: URL, opening: () throws(SafeTensorsError) -> SafeTensorsFile) throws {
        let file: SafeTensorsFile
        do {
            file = try opening()
        } catch {
            throw LearnedEmbeddingsError.invalidFile(path: url.path, reason: "\(error)")
        }
        let names = file.tensorNames
        let name: String
        let token: String
        if names.count == 1 {
            name = names[0]
            token = names[0]
        } else if names.contains("emb_params") {
            name = "emb_params"
            token = "<\(url.deletingPathExtension().lastPathComponent)>"
        } else {
            throw LearnedEmbeddingsError.invalidFile(
                path: url.path, reason: "expected one tensor named after its token, found \(names.count): \(ErrorText.list(names))")
        }
        guard !token.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LearnedEmbeddingsError.invalidFile(path: url.path, reason: "its tensor name (the token) is empty")
        }
        var vectors: Tensor
        do {
            vectors = try file.tensor(named: name)
        } catch {
            throw LearnedEmbeddingsError.invalidFile(path: url.path, reason: "tensor '\(name)' cannot be read (\(error))")
        }
        if vectors.rank == 1 { vectors = vectors.reshaped([1, vectors.shape[0]]) }
        guard vectors.rank == 2, vectors.shape[0] > 0, vectors.shape[1] > 0 else {
            throw LearnedEmbeddingsError.invalidFile(path: url.path, reason: "tensor '\(name)' has shape \(vectors.shape); expected [vectors, hidden]")
        }
        guard vectors.isFinite else {
            throw LearnedEmbeddingsError.invalidFile(path: url.path, reason: "tensor '\(name)' holds NaN or infinite values")
        }
        self.init(token: token, vectors: vectors)
    }

    /// Writes the file diffusers' example writes: `{token: [vectors, hidden]}` with metadata format=pt.
    public func write(to url: URL) throws {
        do {
            try SafeTensorsWriter.write([(token, vectors)], metadata: ["format": "pt"], to: url)
        } catch {
            throw OutputError.notWritable(path: url.path, reason: "\(error)")
        }
    }

    /// The bytes `write(to:)` writes.
    public func serialized() throws -> [UInt8] {
        try SafeTensorsWriter.serialize(entries: [SafeTensorsEntry(name: token, tensor: vectors, dtype: .f32)], metadata: ["format": "pt"])
    }
}

extension LearnedEmbeddings {
    /// A folder's text encoder with `embeddings` loaded (diffusers' `load_textual_inversion`): their tokens added to
    /// `tokenizer` and their vectors to the token-embedding table; with none, the folder's text encoder as it is.
    /// `loading`: `.mapped` to only run the encoder (the appended table is then the one owned weight).
    public static func textEncoder(folder: DiffusersModelFolder, tokenizer: CLIPTokenizer, embeddings: [LearnedEmbeddings],
                                   loading: WeightLoading = .arena) throws -> (tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel) {
        guard !embeddings.isEmpty else { return (tokenizer, try CLIPTextModel(folder: folder, loading: loading)) }
        let extended = try extend(tokenizer: tokenizer, textEncoderFolder: folder, adding: embeddings.map { ($0.tokens, $0.vectors) },
                                  loading: loading)
        return (extended.tokenizer, extended.textEncoder)
    }

    /// A tokenizer and text encoder with new tokens: the tokens are added to the tokenizer (each must be new:
    /// diffusers refuses a placeholder the tokenizer has) and their rows appended to the token-embedding table, in
    /// that id order. Returns the ids of the new tokens of each entry and the text encoder's weight store (for
    /// training some of its rows).
    public static func extend(tokenizer: CLIPTokenizer, textEncoderFolder folder: DiffusersModelFolder,
                              adding rows: [(tokens: [String], vectors: Tensor)], loading: WeightLoading = .arena)
        throws -> (tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, store: WeightStore, ids: [[Int]]) {
        var tokenizer = tokenizer
        var configuration = try CLIPTextConfiguration(contentsOf: folder.componentFile("text_encoder", "config.json"))
        let checkpoint = try folder.weights(of: "text_encoder")
        var ids: [[Int]] = []
        var appended: [Tensor] = []
        for entry in rows {
            guard entry.vectors.rank == 2, entry.vectors.shape[1] == configuration.hiddenSize,
                  entry.vectors.shape[0] == entry.tokens.count else {
                throw LearnedEmbeddingsError.widthMismatch(shape: entry.vectors.shape, hiddenSize: configuration.hiddenSize)
            }
            var entryIDs: [Int] = []
            for token in entry.tokens {
                guard token.trimmingCharacters(in: .whitespaces) == token, !token.isEmpty, !token.contains(" ") else {
                    throw LearnedEmbeddingsError.invalidToken(token)
                }
                guard tokenizer.tokenID(for: token) == nil, tokenizer.addTokens([token]) == 1,
                      let id = tokenizer.tokenID(for: token) else {
                    throw LearnedEmbeddingsError.tokenExists(token: token)
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
            throw LearnedEmbeddingsError.vocabularyMismatch(nextID: first, rows: expectedFirst)
        }
        let store = WeightStore(checkpoint: reader, loading: loading)
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

    func releaseResidentPages() { base.releaseResidentPages() }

    func info(named name: String) -> SafeTensorInfo? {
        guard name == tableName, let table else { return base.info(named: name) }
        return SafeTensorInfo(name: name, dtype: .f32, shape: table.shape, byteRange: 0..<(table.count * 4))
    }

    func tensor(named name: String) throws(SafeTensorsError) -> Tensor {
        guard name == tableName, let table else { return try base.tensor(named: name) }
        return table
    }

    func decodeFloat32(named name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(SafeTensorsError) {
        guard name == tableName, let table else { return try base.decodeFloat32(named: name, into: destination, count: count) }
        precondition(table.count == count, "'\(name)' has \(table.count) elements, the destination \(count)")
        destination.update(from: table.contiguous().pointer, count: count)
    }

    func int64Values(named name: String) throws(SafeTensorsError) -> [Int64] {
        try base.int64Values(named: name)
    }

    func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard name == tableName, let table else { return try base.withRawBytes(named: name, body) }
        return try body(UnsafeRawBufferPointer(start: table.pointer, count: table.count * 4))
    }
}

/// Why learned embeddings cannot be read, written or added to a model; each message names the file, token or
/// option at fault.
public enum LearnedEmbeddingsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is not a learned-embeddings file (diffusers' or A1111's safetensors format).
    case invalidFile(path: String, reason: String)
    /// The vectors' width is not the text encoder's hidden size.
    case widthMismatch(shape: [Int], hiddenSize: Int)
    /// A placeholder that is empty or holds spaces.
    case invalidToken(String)
    /// A placeholder the tokenizer already has (diffusers refuses it too).
    case tokenExists(token: String)
    /// The tokenizer's next id is not the text encoder's next token row.
    case vocabularyMismatch(nextID: Int, rows: Int)

    public var description: String {
        switch self {
        case .invalidFile(let path, let reason):
            var text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            while text.hasSuffix(".") { text.removeLast() }
            return "'\(path)' is not a textual-inversion embedding file: \(text)."
        case .widthMismatch(let shape, let hiddenSize):
            return "\(Setting.embedding) has vectors of shape \(shape), but the text encoder's hidden size is \(hiddenSize)."
        case .invalidToken(let token):
            return "\(Setting.placeholder) is '\(token)'; a placeholder is one word without spaces."
        case .tokenExists(let token):
            return "The tokenizer already has the token '\(token)'; pick a placeholder it does not know (e.g. <my-concept>)."
        case .vocabularyMismatch(let nextID, let rows):
            return "\(Setting.model) has a tokenizer whose next id is \(nextID) but a text encoder of \(rows) token rows; they must agree to add tokens."
        }
    }
}
