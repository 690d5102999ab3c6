import LetheTensor

extension CLIPTextActivation {
    /// dL/d(input) of `callAsFunction(input)` from dL/d(output).
    public func backward(_ outputGradient: Tensor, input: Tensor) -> Tensor {
        switch self {
        case .quickGelu: outputGradient.quickGeluBackward(input: input)
        case .gelu: outputGradient.geluBackward(input: input)
        case .geluNew, .geluPyTorchTanh: outputGradient.geluTanhBackward(input: input)
        }
    }
}
