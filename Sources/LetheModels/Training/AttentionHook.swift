import LetheTensor

/// Sees the post-softmax probabilities of the attention layers it is registered on and may add a loss term on them.
///
/// In the forward pass `capture` gets each hooked layer's probabilities [batch, heads, queries, tokens] (a view valid
/// during the call: copy what you keep). After the forward pass the hook can compute its loss from what it captured;
/// in the backward pass `probabilityGradient` returns d(loss term)/d(probabilities) for the layer ([batch, heads,
/// queries, tokens], or nil for none), which the layer adds to the gradient flowing back from its output.
public protocol AttentionHook: AnyObject {
    func capture(layer: String, probabilities: Tensor)
    func probabilityGradient(layer: String) -> Tensor?
}

extension AttentionHook {
    public func probabilityGradient(layer: String) -> Tensor? { nil }
}

/// Hooks registered on attention layers by name pattern (`attn2` for every cross-attention layer). Layers without
/// hooks keep the fast blockwise path.
public final class AttentionHooks {
    private var registered: [(pattern: NamePattern, hook: AttentionHook)] = []

    public init() {}

    public func register(_ hook: AttentionHook, on pattern: String) {
        registered.append((NamePattern(pattern), hook))
    }

    public func removeAll() { registered.removeAll() }

    /// The hooks on the layer named `layer`, in registration order.
    public func hooks(for layer: String) -> [AttentionHook] {
        registered.filter { $0.pattern.matches(layer) }.map(\.hook)
    }

    public var isEmpty: Bool { registered.isEmpty }
}
