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

    /// Drops every value saved after the last `Mark` (a marker type a layer saves where its forward pass begins) and
    /// the mark itself: for a backward pass that stops early because nothing before that point needs a gradient.
    public func discard<Mark>(through mark: Mark.Type) {
        while let last = entries.popLast() {
            savedElements -= Self.elements(in: last)
            if last is Mark { return }
        }
        preconditionFailure("backward pass discarded past the start of the activation tape looking for \(Mark.self)")
    }

    /// Values still saved (zero after a complete backward pass).
    public var count: Int { entries.count }

    fileprivate static func elements(in value: Any) -> Int {
        if let tensor = value as? Tensor { return tensor.storage.count }
        if let tensors = value as? [Tensor] { return tensors.reduce(0) { $0 + $1.storage.count } }
        if let held = value as? any HoldsSavedTensors { return held.tensorElements }
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
    /// Runs one down, mid or up block of the UNet or the VAE: `block(inputs, tape)` is its forward pass. With
    /// `.blocks` checkpointing on a recording tape, saves only `inputs` and runs the block on a tape that records
    /// nothing but still calls the hooks (none at all when there are no hooks: the inference path); otherwise runs
    /// it on `tape` itself. The block's backward pass goes through `backwardThroughCheckpoint(recomputing:_:)`
    /// with the same `block`; `Inputs` must be the same type in both calls (give a tuple its declared type).
    public static func checkpointed<Inputs, Output>(_ inputs: Inputs, on tape: ActivationTape?,
                                                    _ block: (Inputs, ActivationTape?) -> Output) -> Output {
        guard let tape, tape.checkpointsBlocks else { return block(inputs, tape) }
        tape.save(CheckpointedInputs(inputs))
        return block(inputs, tape.hooks.isEmpty ? nil : ActivationTape(recording: false, hooks: tape.hooks))
    }

    /// The backward pass of a block run by `checkpointed(_:on:_:)`: `backward(tape)` backs through the block on
    /// `tape`. With `.blocks` checkpointing, pops the block's inputs, runs `block` again on a fresh recording tape
    /// with the same hooks (which see the block's probabilities a second time) and backs through that.
    public func backwardThroughCheckpoint<Inputs, Output, Gradients>(
        recomputing block: (Inputs, ActivationTape?) -> Output, _ backward: (ActivationTape) -> Gradients
    ) -> Gradients {
        guard checkpointsBlocks else { return backward(self) }
        let inputs = restore(CheckpointedInputs<Inputs>.self).inputs
        let recomputation = ActivationTape(hooks: hooks)
        _ = block(inputs, recomputation)
        let gradients = backward(recomputation)
        precondition(recomputation.count == 0, "a recomputed block left \(recomputation.count) values on its tape")
        return gradients
    }

    /// Whether blocks keep only their inputs on this tape and recompute themselves in the backward pass.
    private var checkpointsBlocks: Bool { isRecording && checkpointing == .blocks }
}

/// Something saved on the tape that holds tensors: counted in `savedElements`.
private protocol HoldsSavedTensors {
    var tensorElements: Int { get }
}

/// A checkpointed block's inputs (a tensor or a tuple of tensors, tensor arrays and sizes).
private struct CheckpointedInputs<Inputs>: HoldsSavedTensors {
    let inputs: Inputs
    let tensorElements: Int

    init(_ inputs: Inputs) {
        self.inputs = inputs
        let mirror = Mirror(reflecting: inputs)
        tensorElements = mirror.displayStyle == .tuple
            ? mirror.children.reduce(0) { $0 + ActivationTape.elements(in: $1.value) }
            : ActivationTape.elements(in: inputs)
    }
}

/// A layer whose backward pass can skip its input gradient (Linear, Conv2D: the first layer of a trained block
/// needs none). Composite layers always want their children's input gradient: `inputGradient` unwraps it.
protocol PrimitiveLayer {
    func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                  computeInputGradient: Bool) -> Tensor?
}

extension PrimitiveLayer {
    /// dL/d(input) of a `forward(_:tape:)`, accumulating the parameter gradients that train.
    func inputGradient(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        guard let gradient = backward(outputGradient, tape: tape, gradients: gradients, computeInputGradient: true) else {
            preconditionFailure("\(Self.self).backward returned no input gradient although it was asked for one")
        }
        return gradient
    }
}
