import LetheTensor

/// Gradient checkpointing of one VAE block (a down block, the mid block, an up block): with
/// `tape.checkpointing == .blocks` the forward pass saves only the block's input and runs the block without a tape;
/// the backward pass runs the block's forward again on a fresh tape and backs through it at once.
enum VAEBlockCheckpoint {
    /// Whether a block run with `tape` saves only its input.
    static func applies(to tape: ActivationTape?) -> Bool {
        guard let tape else { return false }
        return tape.isRecording && tape.checkpointing == .blocks
    }

    /// `run(input, tape)` is the block's forward pass.
    static func forward(_ input: Tensor, tape: ActivationTape?, _ run: (Tensor, ActivationTape?) -> Tensor) -> Tensor {
        guard applies(to: tape) else { return run(input, tape) }
        tape?.save(input)
        return run(input, nil)
    }

    /// `run` as given to `forward`; `back(outputGradient, tape)` is the block's backward pass.
    static func backward(_ outputGradient: Tensor, tape: ActivationTape, forward run: (Tensor, ActivationTape?) -> Tensor,
                         backward back: (Tensor, ActivationTape) -> Tensor) -> Tensor {
        guard applies(to: tape) else { return back(outputGradient, tape) }
        let input: Tensor = tape.restore()
        let blockTape = ActivationTape(hooks: tape.hooks)
        _ = run(input, blockTape)
        let inputGradient = back(outputGradient, blockTape)
        precondition(blockTape.count == 0, "a recomputed block left \(blockTape.count) values on its tape")
        return inputGradient
    }
}
