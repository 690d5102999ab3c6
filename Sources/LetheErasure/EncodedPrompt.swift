import LetheTensor

/// A prompt through the text encoder, as the closed-form edits use it: diffusers' `text_encoder(input_ids)[0]` of
/// the prompt padded to 77 tokens, and how many of those tokens are the prompt's own (start and end included).
public struct EncodedPrompt: Sendable {
    public let text: String
    /// The attention mask's sum: start token, word tokens, end token.
    public let tokenCount: Int
    /// [77, hidden]: one row per token position.
    public let embedding: Tensor

    public init(text: String, tokenCount: Int, embedding: Tensor) {
        self.text = text
        self.tokenCount = tokenCount
        self.embedding = embedding
    }

    /// The position of the prompt's last word token (the start token for an empty prompt), as the authors'
    /// `attention_mask.sum() - 2`.
    public var lastWordPosition: Int { max(0, tokenCount - 2) }

    /// Rows `range` of the embedding in float64, one token per row.
    public func rows(_ range: Range<Int>) throws -> DoubleMatrix {
        try DoubleMatrix(embedding.narrowed(axis: 0, start: range.lowerBound, length: range.count))
    }

    /// Every row (all 77 positions).
    public func allRows() throws -> DoubleMatrix { try rows(0..<embedding.shape[0]) }
}
