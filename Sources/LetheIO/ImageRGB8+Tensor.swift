import LetheTensor

extension ImageRGB8 {
    /// The image as a float tensor of shape `[3, height, width]` (CHW, as VAE encoders take it) with every level
    /// mapped to [-1, 1] by `normalization`.
    public func tensor(normalization: ImagePixelNormalization) -> Tensor {
        let result = Tensor(zeros: [Self.channels, height, width])
        let planeSize = width * height
        guard planeSize > 0 else { return result }
        let table = normalization.table
        table.withUnsafeBufferPointer { table in
            pixels.withUnsafeBufferPointer { source in
                let target = result.pointer
                for index in 0..<planeSize {
                    target[index] = table[Int(source[index * 3])]
                    target[planeSize + index] = table[Int(source[index * 3 + 1])]
                    target[2 * planeSize + index] = table[Int(source[index * 3 + 2])]
                }
            }
        }
        return result
    }
}
