import LetheTensor

extension FeedForward {
    /// The forward pass, saving the projection before the activation (and, through the projections, their inputs).
    public func forward(_ input: Tensor, tape: ActivationTape?) -> Tensor {
        let projected = projectIn.forward(input, tape: tape)
        tape?.save(projected)
        let activated = switch activation {
        case .geglu: projected.geglu()
        case .gelu: projected.gelu()
        case .geluApproximate: projected.geluTanh()
        }
        return projectOut.forward(activated, tape: tape)
    }

    /// dL/d(input) from dL/d(output).
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let activatedGradient = projectOut.inputGradient(outputGradient, tape: tape, gradients: gradients)
        let projected: Tensor = tape.restore()
        let projectedGradient = switch activation {
        case .geglu: activatedGradient.gegluBackward(input: projected)
        case .gelu: activatedGradient.geluBackward(input: projected)
        case .geluApproximate: activatedGradient.geluTanhBackward(input: projected)
        }
        return projectIn.inputGradient(projectedGradient, tape: tape, gradients: gradients)
    }
}
