import LetheDistributed
import LetheModels
import LetheTensor

/// Checks prompts against the tokenizer and runs them through the text encoder, spread over the ranks.
///
/// Prompts go through the encoder in fixed chunks; chunk i is encoded by rank i % size and shared, so each
/// prompt's embedding is computed with the same batch on any number of ranks and the results are bitwise identical.
public struct PromptEncoder {
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let communicator: Communicator
    /// Prompts per text-encoder batch.
    public let chunkSize: Int

    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, communicator: Communicator, chunkSize: Int = 16) {
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.communicator = communicator
        self.chunkSize = chunkSize
    }

    /// Rejects a prompt the edit cannot use: empty (unless allowed: "" is the unconditional prompt), words the
    /// tokenizer maps to its unknown token, or more tokens than the encoder takes.
    public func validate(_ prompt: String, argument: String, allowEmpty: Bool = false) throws {
        let tokens = tokenizer.encode(prompt, padding: .none, truncation: false).inputIDs
        if tokens.count <= 2 && !allowEmpty { throw ErasureError.emptyConcept(argument: argument) }
        if tokens.count > tokenizer.maxLength {
            throw ErasureError.promptTooLong(prompt: prompt, tokens: tokens.count, limit: tokenizer.maxLength)
        }
        // CLIP's unknown token is usually its end token, so only the positions between start and end count.
        if tokens.dropFirst().dropLast().contains(tokenizer.unknownTokenID) {
            let unknown = prompt.split(whereSeparator: \.isWhitespace).map(String.init).filter { word in
                tokenizer.encode(word, padding: .none, truncation: false).inputIDs.dropFirst().dropLast()
                    .contains(tokenizer.unknownTokenID)
            }
            throw ErasureError.unknownWords(prompt: prompt, words: unknown.isEmpty ? [prompt] : unknown)
        }
    }

    /// The prompts' embeddings [77, hidden] and token counts, in order, on every rank.
    public func encode(_ prompts: [String]) throws -> [EncodedPrompt] {
        let length = tokenizer.maxLength
        let hidden = textEncoder.configuration.hiddenSize
        let chunks = chunked(prompts)
        let embeddings: [[Float]] = try communicator.distributedMap(
            count: chunks.count, counts: chunks.map { $0.count * length * hidden }
        ) { index in try embed(chunks[index]).toArray() }
        var result: [EncodedPrompt] = []
        for (chunk, values) in zip(chunks, embeddings) {
            for (offset, prompt) in chunk.enumerated() {
                let slice = Array(values[(offset * length * hidden)..<((offset + 1) * length * hidden)])
                result.append(EncodedPrompt(
                    text: prompt, tokenCount: tokenCount(prompt), embedding: Tensor(shape: [length, hidden], values: slice)))
            }
        }
        return result
    }

    /// Σ over prompts of RᵀR in float64, where R holds the rows `rows(prompt)` selects of each prompt's embedding,
    /// summed in prompt-chunk order (the same bits on any number of ranks). Embeddings are not gathered: each chunk's
    /// owner encodes it and contributes its Gram matrix.
    public func gram(of prompts: [String], rows: @escaping (EncodedPrompt) throws -> DoubleMatrix) throws -> DoubleMatrix {
        let hidden = textEncoder.configuration.hiddenSize
        let chunks = chunked(prompts)
        let sum = try communicator.orderedSum(count: chunks.count, length: hidden * hidden) { index in
            let chunk = chunks[index]
            let values = try embed(chunk)
            var gram = DoubleMatrix(rows: hidden, columns: hidden)
            for (offset, prompt) in chunk.enumerated() {
                let encoded = EncodedPrompt(
                    text: prompt, tokenCount: tokenCount(prompt), embedding: values.narrowed(axis: 0, start: offset, length: 1)
                        .reshaped([tokenizer.maxLength, hidden]))
                try gram.addGram(of: rows(encoded))
            }
            return gram.elements
        }
        return try DoubleMatrix(rows: hidden, columns: hidden, elements: sum)
    }

    /// The attention mask's sum for a prompt (start, words and end token, at most 77).
    public func tokenCount(_ prompt: String) -> Int {
        tokenizer.encode(prompt).attentionMask.reduce(0, +)
    }

    private func chunked(_ prompts: [String]) -> [[String]] {
        stride(from: 0, to: prompts.count, by: chunkSize).map { Array(prompts[$0..<min($0 + chunkSize, prompts.count)]) }
    }

    /// [chunk, 77, hidden] embeddings of one chunk, as diffusers computes them (no attention mask, no clip skip).
    private func embed(_ chunk: [String]) throws -> Tensor {
        let ids = try CLIPTextTokenIDs(chunk.map { tokenizer.encode($0).inputIDs })
        let embeddings = try textEncoder.promptEmbeddings(ids).contiguous()
        guard embeddings.isFinite else { throw ErasureError.nonFinite(stage: "The text encoder") }
        return embeddings
    }
}
