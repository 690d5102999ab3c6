import LetheTensor

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
