import LetheTensor

// The composite layers always want the input gradient of their primitive children; these unwrap the optional that
// `backward(…, computeInputGradient:)` returns (nil only when asked not to compute it).

extension Linear {
    /// dL/d(input) of a `forward(_:tape:)`, accumulating the parameter gradients that train.
    func inputGradient(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        guard let gradient = backward(outputGradient, tape: tape, gradients: gradients, computeInputGradient: true) else {
            preconditionFailure("Linear.backward returned no input gradient although it was asked for one")
        }
        return gradient
    }
}

extension Conv2D {
    /// dL/d(input) of a `forward(_:tape:)`, accumulating the parameter gradients that train.
    func inputGradient(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        guard let gradient = backward(outputGradient, tape: tape, gradients: gradients, computeInputGradient: true) else {
            preconditionFailure("Conv2D.backward returned no input gradient although it was asked for one")
        }
        return gradient
    }
}
