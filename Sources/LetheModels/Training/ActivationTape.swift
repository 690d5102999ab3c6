import LetheTensor

/// What a training forward pass keeps for its backward pass: a stack. Each layer's `forward(…, tape:)` saves what
/// its `backward(…, tape:, gradients:)` needs, and the backward pass pops it in exactly the reverse order, so every
/// activation is released as soon as the backward pass has used it.
///
/// A tape that does not record (`recording: false`) still carries the attention hooks: a forward pass can then
/// capture attention probabilities without keeping activations. Layers called with no tape at all take the
/// inference path.
public final class ActivationTape {
    /// Whether `save` keeps values (a training forward pass) or drops them (hooks only).
    public let isRecording: Bool
    /// Hooks that see the attention probabilities of the layers they are registered on.
    public var hooks: AttentionHooks
    /// Recompute blocks in the backward pass instead of keeping their activations (less memory, one more forward).
    public var checkpointing: GradientCheckpointing
    private var entries: [Any] = []
    /// Floats held by saved tensors right now, and the most ever held: for memory reports.
    public private(set) var savedElements = 0
    public private(set) var peakSavedElements = 0

    public init(recording: Bool = true, hooks: AttentionHooks = AttentionHooks(),
                checkpointing: GradientCheckpointing = .none) {
        isRecording = recording
        self.hooks = hooks
        self.checkpointing = checkpointing
    }

    /// Keeps `value` for the backward pass (nothing when not recording).
    public func save<Value>(_ value: Value) {
        guard isRecording else { return }
        entries.append(value)
        savedElements += Self.elements(in: value)
        peakSavedElements = Swift.max(peakSavedElements, savedElements)
    }

    /// The value saved last, which must be of type `Value` (a mismatch is a programming error in a backward pass).
    public func restore<Value>(_ type: Value.Type = Value.self) -> Value {
        guard let last = entries.popLast() else { preconditionFailure("backward pass popped an empty activation tape") }
        guard let value = last as? Value else {
            preconditionFailure("backward pass expected \(Value.self) on the activation tape, found \(Swift.type(of: last))")
        }
        savedElements -= Self.elements(in: value)
        return value
    }

    /// Values still saved (zero after a complete backward pass).
    public var count: Int { entries.count }

    private static func elements(in value: Any) -> Int {
        if let tensor = value as? Tensor { return tensor.storage.count }
        if let tensors = value as? [Tensor] { return tensors.reduce(0) { $0 + $1.storage.count } }
        if let tensor = value as? Tensor? { return tensor?.storage.count ?? 0 }
        return 0
    }
}

/// Where a training forward pass trades compute for memory.
public enum GradientCheckpointing: Sendable, Equatable {
    /// Keep every activation.
    case none
    /// Keep only each down/mid/up block's inputs and recompute the block in the backward pass (as diffusers'
    /// `enable_gradient_checkpointing`).
    case blocks
}

extension ActivationTape {
    /// Whether down/mid/up blocks keep only their inputs on this tape and recompute themselves in the backward pass.
    var checkpointsBlocks: Bool { isRecording && checkpointing == .blocks }

    /// The tape a checkpointed block's forward pass runs with: nothing saved, the hooks still called (nil when there
    /// are no hooks, which is the inference path).
    var hooksOnly: ActivationTape? {
        hooks.isEmpty ? nil : ActivationTape(recording: false, hooks: hooks)
    }

    /// A fresh recording tape with the same hooks, for recomputing a checkpointed block in the backward pass. The
    /// recomputation calls the hooks' `capture` a second time for the block's layers, with the same probabilities.
    func recomputation() -> ActivationTape {
        ActivationTape(hooks: hooks)
    }
}
