import LetheTensor

extension TimestepEmbedding {
    /// The forward pass (linear_1, SiLU, linear_2), saving what backward needs.
    public func forward(_ projection: Tensor, tape: ActivationTape?) -> Tensor {
        let hidden = linear1.forward(projection, tape: tape)
        tape?.save(hidden)
        return linear2.forward(hidden.silu(), tape: tape)
    }

    /// Accumulates the linear layers' weight gradients from dL/d(embedding) [B, embedding]. The timesteps are not
    /// differentiated, so dL/d(projection) is only computed when asked for.
    @discardableResult
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         computeInputGradient: Bool = false) -> Tensor? {
        let trainsFirst = gradients.trains(linear1.weight) || linear1.bias.map(gradients.trains) == true
        guard let hiddenGradient = linear2.backward(outputGradient, tape: tape, gradients: gradients,
                                                    computeInputGradient: trainsFirst || computeInputGradient) else {
            _ = tape.restore(Tensor.self)
            _ = tape.restore(Tensor.self)
            return nil
        }
        let hidden: Tensor = tape.restore()
        return linear1.backward(hiddenGradient.siluBackward(input: hidden), tape: tape, gradients: gradients,
                                computeInputGradient: computeInputGradient)
    }
}
