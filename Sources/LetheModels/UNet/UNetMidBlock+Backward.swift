import LetheTensor

extension UNetMidBlock {
    /// The forward pass; with block checkpointing the tape keeps only the inputs.
    public func forward(_ input: Tensor, timeEmbedding: Tensor, context: Tensor, tape: ActivationTape?) -> Tensor {
        guard let tape, tape.checkpointsBlocks else {
            return layersForward(input, timeEmbedding: timeEmbedding, context: context, tape: tape)
        }
        tape.save([input, timeEmbedding, context])
        return layersForward(input, timeEmbedding: timeEmbedding, context: context, tape: tape.hooksOnly)
    }

    /// Gradients with respect to the input, the time embedding and the context.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape,
                         gradients: ParameterGradients) -> (input: Tensor, timeEmbedding: Tensor?, context: Tensor?) {
        guard tape.checkpointsBlocks else { return layersBackward(outputGradient, tape: tape, gradients: gradients) }
        let inputs: [Tensor] = tape.restore()
        let recomputation = tape.recomputation()
        _ = layersForward(inputs[0], timeEmbedding: inputs[1], context: inputs[2], tape: recomputation)
        let result = layersBackward(outputGradient, tape: recomputation, gradients: gradients)
        precondition(recomputation.count == 0, "the recomputed mid block left \(recomputation.count) values on its tape")
        return result
    }

    private func layersForward(_ input: Tensor, timeEmbedding: Tensor, context: Tensor, tape: ActivationTape?) -> Tensor {
        var x = resnets[0].forward(input, timeEmbedding: timeEmbedding, tape: tape)
        for (attention, resnet) in zip(attentions, resnets.dropFirst()) {
            x = attention.forward(x, context: context, tape: tape)
            x = resnet.forward(x, timeEmbedding: timeEmbedding, tape: tape)
        }
        return x
    }

    private func layersBackward(_ outputGradient: Tensor, tape: ActivationTape,
                                gradients: ParameterGradients) -> (input: Tensor, timeEmbedding: Tensor?, context: Tensor?) {
        var gradient = outputGradient
        var timeGradient: Tensor?
        var contextGradient: Tensor?
        for (attention, resnet) in zip(attentions, resnets.dropFirst()).reversed() {
            let resnetGradients = resnet.backward(gradient, tape: tape, gradients: gradients)
            timeGradient = timeGradient.adding(resnetGradients.timeEmbedding)
            let attentionGradients = attention.backward(resnetGradients.input, tape: tape, gradients: gradients)
            contextGradient = contextGradient.adding(attentionGradients.context)
            gradient = attentionGradients.input
        }
        let first = resnets[0].backward(gradient, tape: tape, gradients: gradients)
        return (first.input, timeGradient.adding(first.timeEmbedding), contextGradient)
    }
}
