extension Tensor {
    /// dL/dx of `input.upsampleNearest(factor:)` (self is dL/dy [N, C, H·f, W·f]) → [N, C, H, W]: each input pixel
    /// receives the sum of its f × f copies.
    public func upsampleNearestBackward(factor: Int) -> Tensor {
        precondition(rank == 4 && factor >= 1 && shape[2] % factor == 0 && shape[3] % factor == 0,
                     "upsampleNearestBackward takes [N, C, H·f, W·f] and a factor f ≥ 1, got \(shape) and \(factor)")
        let (planes, outHeight, outWidth) = (shape[0] * shape[1], shape[2], shape[3])
        let (height, width) = (outHeight / factor, outWidth / factor)
        let outputGradient = contiguous()
        let result = Tensor(zeros: [shape[0], shape[1], height, width])
        for plane in 0..<planes {
            let source = outputGradient.pointer + plane * outHeight * outWidth
            let destination = result.pointer + plane * height * width
            for y in 0..<height {
                let out = destination + y * width
                for repeatY in 0..<factor {
                    let line = source + (y * factor + repeatY) * outWidth
                    if factor == 2 {
                        for x in 0..<width { out[x] += line[2 * x] + line[2 * x + 1] }
                    } else {
                        for x in 0..<width {
                            var total: Float = 0
                            for repeatX in 0..<factor { total += line[x * factor + repeatX] }
                            out[x] += total
                        }
                    }
                }
            }
        }
        return result
    }

    /// dL/dx of `input.upsampleNearest(height:width:)` for an input of `inputHeight` × `inputWidth` (torch's
    /// 'nearest' index rule), summing every output pixel into the input pixel it copied.
    public func upsampleNearestBackward(inputHeight: Int, inputWidth: Int) -> Tensor {
        precondition(rank == 4 && inputHeight > 0 && inputWidth > 0,
                     "upsampleNearestBackward(inputHeight:inputWidth:) takes [N, C, H, W] and a positive input size, got \(shape) ← \(inputHeight)×\(inputWidth)")
        let (planes, outHeight, outWidth) = (shape[0] * shape[1], shape[2], shape[3])
        let rows = Tensor.nearestSourceIndices(input: inputHeight, output: outHeight)
        let columns = Tensor.nearestSourceIndices(input: inputWidth, output: outWidth)
        let outputGradient = contiguous()
        let result = Tensor(zeros: [shape[0], shape[1], inputHeight, inputWidth])
        rows.withUnsafeBufferPointer { rowSource in
            columns.withUnsafeBufferPointer { columnSource in
                for plane in 0..<planes {
                    let source = outputGradient.pointer + plane * outHeight * outWidth
                    let destination = result.pointer + plane * inputHeight * inputWidth
                    for y in 0..<outHeight {
                        let line = source + y * outWidth, out = destination + rowSource[y] * inputWidth
                        for x in 0..<outWidth { out[columnSource[x]] += line[x] }
                    }
                }
            }
        }
        return result
    }

    /// Embedding backward: adds row i of self ([n, D]) to row `indices[i]` of `target` ([V, D]). Repeated indices
    /// add up.
    public func scatterAddRows(_ indices: [Int], into target: Tensor) {
        precondition(rank == 2 && shape[0] == indices.count,
                     "scatterAddRows: gradient must be [\(indices.count), D] for \(indices.count) indices, got \(shape)")
        precondition(target.rank == 2 && target.shape[1] == shape[1],
                     "scatterAddRows: target \(target.shape) does not have rows of width \(shape[1])")
        let (tableRows, width) = (target.shape[0], shape[1])
        let rowsGradient = contiguous()
        target.accumulating { table in
            for (row, index) in indices.enumerated() {
                precondition(index >= 0 && index < tableRows, "scatterAddRows: index \(index) outside 0..<\(tableRows)")
                let source = rowsGradient.pointer + row * width, destination = table + index * width
                for column in 0..<width { destination[column] += source[column] }
            }
        }
    }
}
