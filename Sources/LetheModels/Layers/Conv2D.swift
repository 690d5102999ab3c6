import LetheTensor

/// torch.nn.Conv2d (groups 1, dilation 1): weight [out, in, k, k], optional bias [out].
public struct Conv2D: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let geometry: Conv2DGeometry

    public init(_ store: WeightStore, _ prefix: String, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int = 0, bias: Bool = true) throws {
        weight = try store.tensor("\(prefix).weight", shape: [outChannels, inChannels, kernel, kernel])
        self.bias = bias ? try store.tensor("\(prefix).bias", shape: [outChannels]) : nil
        geometry = Conv2DGeometry(stride: stride, padding: padding)
    }

    public var outChannels: Int { weight.shape[0] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, geometry: geometry)
    }
}
