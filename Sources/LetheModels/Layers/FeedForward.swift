import LetheTensor

/// diffusers' `FeedForward`: `net.0.proj` to the inner width (twice that for GEGLU: value and gate), the activation,
/// then `net.2` back to the width (dropout `net.1` is the identity at inference).
public struct FeedForward: Sendable {
    /// diffusers' `activation_fn` of a feed-forward: "geglu" (its default, what Stable Diffusion uses), "gelu", or
    /// "gelu-approximate" (tanh).
    public enum Activation: String, Sendable {
        case geglu
        case gelu
        case geluApproximate = "gelu-approximate"
    }

    public let activation: Activation
    public let projectIn: Linear
    public let projectOut: Linear

    /// Loads `PREFIX.net.0.proj` [inner (2·inner for GEGLU), width] and `PREFIX.net.2` [width, inner], inner =
    /// multiplier·width.
    public init(_ store: WeightStore, _ prefix: String, width: Int, multiplier: Int = 4,
                activation: Activation = .geglu) throws {
        let inner = width * multiplier
        self.activation = activation
        projectIn = try Linear(store, "\(prefix).net.0.proj", inFeatures: width,
                               outFeatures: activation == .geglu ? 2 * inner : inner)
        projectOut = try Linear(store, "\(prefix).net.2", inFeatures: inner, outFeatures: width)
    }
}

extension FeedForward {
    /// The forward pass, saving the projection before the activation (and, through the projections, their inputs).
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
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
