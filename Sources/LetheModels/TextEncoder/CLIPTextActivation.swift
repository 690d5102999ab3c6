import LetheTensor

/// The MLP activations a CLIP text encoder config may name (`hidden_act`), with transformers' definitions.
public enum CLIPTextActivation: String, Sendable, CaseIterable {
    /// x · sigmoid(1.702 · x): OpenAI CLIP, SD 1.x.
    case quickGelu = "quick_gelu"
    /// The exact erf GELU: OpenCLIP ViT-H, SD 2.x.
    case gelu = "gelu"
    /// GELU with the tanh approximation (transformers' NewGELUActivation).
    case geluNew = "gelu_new"
    /// GELU with the tanh approximation (torch's approximate="tanh").
    case geluPyTorchTanh = "gelu_pytorch_tanh"

    /// The config names Lethe supports, for error messages.
    public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The activation applied elementwise; it keeps nothing (CLIPTextMLP saves the input for `backward`).
    public func forward(_ input: Tensor) -> Tensor {
        switch self {
        case .quickGelu: input.quickGelu()
        case .gelu: input.gelu()
        case .geluNew, .geluPyTorchTanh: input.geluTanh()
        }
    }
}

extension CLIPTextActivation {
    /// dL/d(input) of `forward(input)` from dL/d(output).
    public func backward(_ outputGradient: Tensor, input: Tensor) -> Tensor {
        switch self {
        case .quickGelu: outputGradient.quickGeluBackward(input: input)
        case .gelu: outputGradient.geluBackward(input: input)
        case .geluNew, .geluPyTorchTanh: outputGradient.geluTanhBackward(input: input)
        }
    }
}
