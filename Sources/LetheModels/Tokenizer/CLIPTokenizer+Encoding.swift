extension CLIPTokenizer {
    /// A tokenised prompt ready for the text encoder.
    public struct Encoding: Sendable, Equatable {
        /// Token ids: start token, prompt tokens, end token, then padding.
        public var inputIDs: [Int]
        /// 1 for each real token (start and end included), 0 for each padding token.
        public var attentionMask: [Int]

        public init(inputIDs: [Int], attentionMask: [Int]) {
            self.inputIDs = inputIDs
            self.attentionMask = attentionMask
        }
    }

    /// How ``encode(_:padding:truncation:)`` pads.
    public enum Padding: Sendable {
        /// No padding.
        case none
        /// Pad with the pad token up to ``maxLength`` (transformers' `padding="max_length"`).
        case maxLength
    }

    /// Encodes a prompt as diffusers does: `tokenizer(prompt, padding="max_length", max_length=77,
    /// truncation=True)`.
    ///
    /// - Parameters:
    ///   - text: the prompt.
    ///   - padding: `.maxLength` pads to ``maxLength`` with the pad token.
    ///   - truncation: when true, prompt tokens past `maxLength - 2` are dropped so that the end token stays last.
    public func encode(_ text: String, padding: Padding = .maxLength, truncation: Bool = true) -> Encoding {
        var ids = tokenIDs(for: text)
        if truncation, ids.count + 2 > maxLength {
            ids.removeLast(ids.count + 2 - maxLength)
        }
        var inputIDs = [Int]()
        inputIDs.reserveCapacity(max(maxLength, ids.count + 2))
        inputIDs.append(bosTokenID)
        inputIDs.append(contentsOf: ids)
        inputIDs.append(eosTokenID)
        var attentionMask = [Int](repeating: 1, count: inputIDs.count)
        if padding == .maxLength, inputIDs.count < maxLength {
            let padCount = maxLength - inputIDs.count
            inputIDs.append(contentsOf: repeatElement(padTokenID, count: padCount))
            attentionMask.append(contentsOf: repeatElement(0, count: padCount))
        }
        return Encoding(inputIDs: inputIDs, attentionMask: attentionMask)
    }

    /// Encodes several prompts (see ``encode(_:padding:truncation:)``).
    public func encode(_ texts: [String], padding: Padding = .maxLength, truncation: Bool = true) -> [Encoding] {
        texts.map { encode($0, padding: padding, truncation: truncation) }
    }
}
