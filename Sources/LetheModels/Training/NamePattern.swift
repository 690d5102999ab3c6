/// A pattern over dotted module/parameter names such as `down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight`.
///
/// A pattern matches a name when its dot-separated segments appear as a consecutive run of the name's segments, so
/// `attn2` matches every cross-attention layer and its parameters, `attn2.to_k` every cross-attention key projection,
/// and `token_embedding` the CLIP token embedding. A `*` segment matches any one segment (`up_blocks.*.attentions`).
/// An empty pattern or `all` matches every name.
public struct NamePattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    private let segments: [Substring]

    public init(_ text: String) {
        self.text = text
        segments = text == "all" ? [] : text.split(separator: ".", omittingEmptySubsequences: false)
            .filter { !$0.isEmpty }
    }

    public func matches(_ name: String) -> Bool {
        guard !segments.isEmpty else { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= segments.count else { return false }
        return (0...(parts.count - segments.count)).contains { start in
            segments.indices.allSatisfy { segments[$0] == "*" || segments[$0] == parts[start + $0] }
        }
    }

    public var description: String { text }
}
