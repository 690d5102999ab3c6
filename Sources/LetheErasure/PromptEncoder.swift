import LetheDistributed
import LetheModels
import LetheTensor

/// Checks prompts against the tokenizer and runs them through the text encoder, spread over the ranks.
///
/// Each prompt goes through the encoder alone, on the rank that owns its work item, so its embedding is the same
/// bits on any number of ranks.
public struct PromptEncoder {
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let communicator: Communicator
    /// Prompts per Gram-matrix contribution (one work item of `gram`).
    public let chunkSize: Int
    private let cache = PromptEmbeddingCache()

    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, communicator: Communicator, chunkSize: Int = 16) {
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.communicator = communicator
        self.chunkSize = chunkSize
    }

    /// Rejects a prompt the edit cannot use: empty (unless allowed: "" is the unconditional prompt) or words the
    /// tokenizer maps to its unknown token. A prompt past the encoder's 77 tokens is not an error: it is cut, as
    /// diffusers and the authors' code (`truncation=True`) cut it, with a warning (``UCESettings/truncationWarnings(tokenizer:)``).
    public func validate(_ prompt: String, argument: Setting, allowEmpty: Bool = false) throws {
        let tokens = tokenizer.encode(prompt, padding: .none, truncation: false).inputIDs
        if tokens.count <= 2 && !allowEmpty { throw ErasureError.emptyConcept(argument) }
        // CLIP's unknown token is usually its end token, so only the positions between start and end count.
        if tokens.dropFirst().dropLast().contains(tokenizer.unknownTokenID) {
            let unknown = prompt.split(whereSeparator: \.isWhitespace).map(String.init).filter { word in
                tokenizer.encode(word, padding: .none, truncation: false).inputIDs.dropFirst().dropLast()
                    .contains(tokenizer.unknownTokenID)
            }
            throw ErasureError.unknownWords(prompt: prompt, words: unknown.isEmpty ? [prompt] : unknown)
        }
    }

    /// The prompts' embeddings [77, hidden] and token counts, in order, on every rank: each prompt is encoded by
    /// one rank (on one of its threads) and shared, then remembered.
    public func encode(_ prompts: [String]) throws -> [EncodedPrompt] {
        let length = tokenizer.maxLength
        let hidden = textEncoder.configuration.hiddenSize
        let embeddings: [[Float]] = try communicator.distributedMap(
            count: prompts.count, counts: [Int](repeating: length * hidden, count: prompts.count)
        ) { index in try embed(prompts[index]).embedding.toArray() }
        return zip(prompts, embeddings).map { prompt, values in
            let encoding = tokenizer.encode(prompt)
            return cache.store(EncodedPrompt(
                text: prompt, tokenCount: Self.tokenCount(of: encoding), embedding: Tensor(shape: [length, hidden], values: values)),
                ids: encoding.inputIDs)
        }
    }

    /// Σ over prompts of RᵀR in float64, where R holds the rows `rows(prompt)` selects of each prompt's embedding,
    /// summed in prompt-chunk order (the same bits on any number of ranks). Embeddings are not gathered: each chunk's
    /// owner encodes it and contributes its Gram matrix.
    public func gram(of prompts: [String], rows: @escaping (EncodedPrompt) throws -> DoubleMatrix) throws -> DoubleMatrix {
        let hidden = textEncoder.configuration.hiddenSize
        let chunks = stride(from: 0, to: prompts.count, by: chunkSize).map {
            Array(prompts[$0..<min($0 + chunkSize, prompts.count)])
        }
        let sum = try communicator.orderedSum(count: chunks.count, length: hidden * hidden) { index in
            var gram = DoubleMatrix(rows: hidden, columns: hidden)
            for prompt in chunks[index] { try gram.addGram(of: rows(embed(prompt))) }
            return gram.elements
        }
        return try DoubleMatrix(rows: hidden, columns: hidden, elements: sum)
    }

    /// The attention mask's sum (start, words and end token, at most 77).
    private static func tokenCount(of encoding: CLIPTokenizer.Encoding) -> Int {
        encoding.attentionMask.reduce(0, +)
    }

    /// One prompt through the text encoder as diffusers computes it (no attention mask, no clip skip), alone in
    /// its batch so that how prompts are grouped never changes the bits. Prompts with the same token ids ("" and
    /// " ") are encoded once: `encode` remembers what it returns (concepts and guides, not thousands of preserved
    /// prompts). Threads may call this at once: it only reads the cache.
    private func embed(_ prompt: String) throws -> EncodedPrompt {
        let encoding = tokenizer.encode(prompt)
        let ids = encoding.inputIDs
        if let cached = cache.lookup(ids) {
            return EncodedPrompt(text: prompt, tokenCount: cached.tokenCount, embedding: cached.embedding)
        }
        let embedding = try textEncoder.promptEmbeddings(CLIPTextTokenIDs([ids])).contiguous()
        guard embedding.isFinite else { throw ErasureError.nonFinite(stage: "The text encoder") }
        return EncodedPrompt(
            text: prompt, tokenCount: Self.tokenCount(of: encoding), embedding: embedding.reshaped(Array(embedding.shape.dropFirst())))
    }
}

/// Prompt embeddings by token ids, so a job encodes each distinct prompt once.
final class PromptEmbeddingCache {
    private var embeddings: [[Int]: EncodedPrompt] = [:]

    func lookup(_ ids: [Int]) -> EncodedPrompt? { embeddings[ids] }

    @discardableResult
    func store(_ prompt: EncodedPrompt, ids: [Int]) -> EncodedPrompt {
        embeddings[ids] = prompt
        return prompt
    }
}
