extension Tensor {
    /// Nearest-neighbour resize of [N, C, H, W] to [N, C, height, width], as torch's
    /// `F.interpolate(size=(height, width), mode="nearest")` picks sources: `min(floor(i · in/out), in − 1)` with the
    /// ratio in float32, exact halving when the size doubles. diffusers' Upsample2D uses it to land on a skip
    /// connection's odd size.
    public func upsampleNearest(height outHeight: Int, width outWidth: Int) -> Tensor {
        precondition(rank == 4 && outHeight > 0 && outWidth > 0,
                     "upsampleNearest(height:width:) takes [N, C, H, W] and a positive size, got \(shape) → \(outHeight)×\(outWidth)")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        precondition(height > 0 && width > 0, "upsampleNearest(height:width:) needs a non-empty image, got \(shape)")
        let rows = Tensor.nearestSourceIndices(input: height, output: outHeight)
        let columns = Tensor.nearestSourceIndices(input: width, output: outWidth)
        let input = contiguous()
        let result = Tensor(zeros: [shape[0], shape[1], outHeight, outWidth])
        columns.withUnsafeBufferPointer { columnSource in
            for plane in 0..<planes {
                let source = input.pointer + plane * height * width
                let destination = result.pointer + plane * outHeight * outWidth
                for y in 0..<outHeight {
                    let line = source + rows[y] * width, out = destination + y * outWidth
                    if y > 0 && rows[y] == rows[y - 1] {
                        out.update(from: out - outWidth, count: outWidth)
                        continue
                    }
                    for x in 0..<outWidth { out[x] = line[columnSource[x]] }
                }
            }
        }
        return result
    }

    /// torch's `nearest_idx`: the source index of each output index along one axis.
    static func nearestSourceIndices(input: Int, output: Int) -> [Int] {
        if output == input { return Array(0..<output) }
        if output == 2 * input { return (0..<output).map { $0 >> 1 } }
        let scale = Float(input) / Float(output)
        return (0..<output).map { Swift.min(Int((Float($0) * scale).rounded(.down)), input - 1) }
    }
}
