/// Geometry of a 2-D convolution (torch.nn.Conv2d with groups = 1, dilation = 1).
public struct Conv2DGeometry: Sendable, Equatable {
    public var stride: (Int, Int)
    public var padding: (Int, Int)

    public init(stride: Int = 1, padding: Int = 0) {
        self.stride = (stride, stride)
        self.padding = (padding, padding)
    }

    public init(stride: (Int, Int), padding: (Int, Int)) {
        self.stride = stride
        self.padding = padding
    }

    public static func == (lhs: Conv2DGeometry, rhs: Conv2DGeometry) -> Bool {
        lhs.stride == rhs.stride && lhs.padding == rhs.padding
    }

    /// Output (height, width) for an input and kernel size, as torch computes it.
    public func outputSize(height: Int, width: Int, kernelHeight: Int, kernelWidth: Int) -> (Int, Int) {
        ((height + 2 * padding.0 - kernelHeight) / stride.0 + 1, (width + 2 * padding.1 - kernelWidth) / stride.1 + 1)
    }
}
