import LetheModels
import LetheTensor

/// One stage of the judge: a residual block (diffusers' `ResnetBlock2D`, without a time embedding) that looks at
/// the image at its resolution, then a stride-2 unit that halves it and widens the channels. The residual path
/// lets the early stages' colour and edge features reach the heads from the first step, so the later layers learn
/// shapes on top of them instead of having to pass them through first (without it the shape head sat at its prior
/// for hundreds of steps).
public struct JudgeStage: Sendable {
    public let residual: ResnetBlock2D
    public let downsample: JudgeConvUnit

    /// Loads `PREFIX.residual.*` (in → in) and `PREFIX.downsample.*` (in → out, stride 2).
    public init(_ store: WeightStore, _ prefix: String, inChannels: Int, outChannels: Int, groups: Int,
                epsilon: Float) throws {
        residual = try ResnetBlock2D(store, "\(prefix).residual", inChannels: inChannels, outChannels: inChannels,
                                     timeEmbeddingChannels: nil, groups: groups, epsilon: epsilon)
        downsample = try JudgeConvUnit(store, "\(prefix).downsample", inChannels: inChannels, outChannels: outChannels,
                                       stride: 2, groups: groups, epsilon: epsilon)
    }
}

extension JudgeStage {
    /// [B, in, H, W] → [B, out, H/2, W/2].
    public func forward(_ input: Tensor, tape: ActivationTape? = nil) -> Tensor {
        downsample.forward(residual.forward(input, timeEmbedding: nil, tape: tape), tape: tape)
    }

    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients) -> Tensor {
        let middle = downsample.backward(outputGradient, tape: tape, gradients: gradients)!
        return residual.backward(middle, tape: tape, gradients: gradients).input
    }
}
