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

extension Tensor {
    /// torch.nn.functional.conv2d on [N, Cin, H, W] with weight [Cout, Cin, kH, kW]: im2col, then one sgemm per sample.
    public func conv2d(weight: Tensor, bias: Tensor?, geometry: Conv2DGeometry = Conv2DGeometry()) -> Tensor {
        precondition(rank == 4 && weight.rank == 4, "conv2d takes [N, C, H, W] and [Cout, Cin, kH, kW], got \(shape) and \(weight.shape)")
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (outChannels, kernelHeight, kernelWidth) = (weight.shape[0], weight.shape[2], weight.shape[3])
        precondition(weight.shape[1] == inChannels, "conv2d: input has \(inChannels) channels, weight expects \(weight.shape[1])")
        let (outHeight, outWidth) = geometry.outputSize(height: height, width: width,
                                                        kernelHeight: kernelHeight, kernelWidth: kernelWidth)
        precondition(outHeight > 0 && outWidth > 0, "conv2d: kernel \(weight.shape) larger than padded input \(shape)")
        let input = contiguous()
        let kernel = weight.contiguous().reshaped([outChannels, inChannels * kernelHeight * kernelWidth])
        let result = Tensor(zeros: [batch, outChannels, outHeight, outWidth])
        let positions = outHeight * outWidth
        let isPointwise = kernelHeight == 1 && kernelWidth == 1 && geometry == Conv2DGeometry()
        let columns = isPointwise ? nil : Tensor(zeros: [inChannels * kernelHeight * kernelWidth, positions])
        for sample in 0..<batch {
            let image = input.selecting(axis: 0, index: sample)
            let patches: Tensor
            if let columns {
                Tensor.im2col(image, kernelHeight: kernelHeight, kernelWidth: kernelWidth, geometry: geometry,
                              outHeight: outHeight, outWidth: outWidth, into: columns.pointer)
                patches = columns
            } else {
                patches = image.reshaped([inChannels, positions])
            }
            let output = result.pointer + sample * outChannels * positions
            if let bias {
                precondition(bias.count == outChannels, "conv2d: bias \(bias.shape) does not match \(outChannels) channels")
                let values = bias.contiguous()
                for channel in 0..<outChannels {
                    (output + channel * positions).update(repeating: values.pointer[channel], count: positions)
                }
            }
            Tensor.gemm(kernel, transposeA: false, patches, transposeB: false, into: output,
                        m: outChannels, n: positions, k: kernel.shape[1], alpha: 1, beta: bias == nil ? 0 : 1)
        }
        return result
    }

    /// Unfolds one [C, H, W] image into [C·kH·kW, Ho·Wo] patch columns (zeros where the kernel overlaps padding).
    static func im2col(_ image: Tensor, kernelHeight: Int, kernelWidth: Int, geometry: Conv2DGeometry,
                       outHeight: Int, outWidth: Int, into columns: UnsafeMutablePointer<Float>) {
        let (channels, height, width) = (image.shape[0], image.shape[1], image.shape[2])
        let source = image.pointer
        let positions = outHeight * outWidth
        for channel in 0..<channels {
            let plane = source + channel * height * width
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    let row = columns + ((channel * kernelHeight + ky) * kernelWidth + kx) * positions
                    for oy in 0..<outHeight {
                        let y = oy * geometry.stride.0 - geometry.padding.0 + ky
                        let destination = row + oy * outWidth
                        if y < 0 || y >= height {
                            destination.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let line = plane + y * width
                        for ox in 0..<outWidth {
                            let x = ox * geometry.stride.1 - geometry.padding.1 + kx
                            destination[ox] = (x >= 0 && x < width) ? line[x] : 0
                        }
                    }
                }
            }
        }
    }
}
