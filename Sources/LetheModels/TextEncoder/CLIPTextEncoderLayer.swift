import LetheTensor

/// transformers' CLIPEncoderLayer, pre-LayerNorm: x + attn(ln1(x)), then h + mlp(ln2(h)).
public struct CLIPTextEncoderLayer: Sendable {
    /// The module name, `text_model.encoder.layers.N`.
    public let name: String
    public let layerNorm1: LayerNorm
    public let selfAttention: CLIPTextAttention
    public let layerNorm2: LayerNorm
    public let mlp: CLIPTextMLP

    /// Loads layer `index` from `{checkpointPrefix}encoder.layers.{index}.*` (checkpointPrefix: "text_model." or "").
    public init(_ store: WeightStore, checkpointPrefix: String, index: Int, configuration: CLIPTextConfiguration,
                activation: CLIPTextActivation) throws {
        let module = "encoder.layers.\(index)"
        let prefix = checkpointPrefix + module
        let (width, epsilon) = (configuration.hiddenSize, Float(configuration.layerNormEps))
        name = "text_model.\(module)"
        // transformers' parameter order: self_attn, layer_norm1, mlp, layer_norm2.
        selfAttention = try CLIPTextAttention(store, "\(prefix).self_attn", name: "\(name).self_attn",
                                              hiddenSize: width, heads: configuration.numAttentionHeads)
        layerNorm1 = try LayerNorm(store, "\(prefix).layer_norm1", width: width, epsilon: epsilon)
        mlp = try CLIPTextMLP(store, "\(prefix).mlp", hiddenSize: width,
                              intermediateSize: configuration.intermediateSize, activation: activation)
        layerNorm2 = try LayerNorm(store, "\(prefix).layer_norm2", width: width, epsilon: epsilon)
    }
}

extension CLIPTextEncoderLayer {
    /// Hidden states [batch, length, hidden] → the same shape: x + attn(ln1(x)), then h + mlp(ln2(h)), each part
    /// saving what its backward pass needs.
    public func forward(_ hiddenStates: Tensor, mask: CLIPTextAttentionMask, tape: ActivationTape? = nil) -> Tensor {
        let attended = selfAttention.forward(layerNorm1.forward(hiddenStates, tape: tape), mask: mask, tape: tape)
        attended.addInPlace(hiddenStates)
        let output = mlp.forward(layerNorm2.forward(attended, tape: tape), tape: tape)
        output.addInPlace(attended)
        return output
    }

    /// dL/d(hidden states) from dL/d(output); the residual paths add the output gradient through.
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let attendedGradient = layerNorm2.backward(mlp.backward(outputGradient, tape: tape, gradients: gradients),
                                                   tape: tape, gradients: gradients)
        attendedGradient.addInPlace(outputGradient)
        let inputGradient = layerNorm1.backward(
            selfAttention.backward(attendedGradient, tape: tape, gradients: gradients), tape: tape, gradients: gradients)
        inputGradient.addInPlace(attendedGradient)
        return inputGradient
    }
}
