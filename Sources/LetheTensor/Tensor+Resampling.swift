extension Tensor {
    /// Nearest-neighbour upsampling of [N, C, H, W] by an integer factor (torch's interpolate, mode="nearest").
    public func upsampleNearest(factor: Int = 2) -> Tensor {
        precondition(rank == 4 && factor >= 1, "upsampleNearest takes [N, C, H, W] and a factor ≥ 1, got \(shape)")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let input = contiguous()
        let (outHeight, outWidth) = (height * factor, width * factor)
        let result = Tensor(zeros: [shape[0], shape[1], outHeight, outWidth])
        for plane in 0..<planes {
            let source = input.pointer + plane * height * width
            let destination = result.pointer + plane * outHeight * outWidth
            for y in 0..<height {
                let firstRow = destination + y * factor * outWidth
                let line = source + y * width
                for x in 0..<width {
                    let value = line[x]
                    for repeatX in 0..<factor { firstRow[x * factor + repeatX] = value }
                }
                for repeatY in 1..<factor { (firstRow + repeatY * outWidth).update(from: firstRow, count: outWidth) }
            }
        }
        return result
    }

    /// Concatenates tensors along `axis` (torch.cat); all other dimensions must agree.
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let reference = parts[0].shape
        precondition(axis >= 0 && axis < reference.count, "axis \(axis) out of range for shape \(reference)")
        for part in parts {
            var a = part.shape, b = reference
            precondition(a.count == b.count, "concatenate: rank of \(part.shape) differs from \(reference)")
            a[axis] = 0; b[axis] = 0
            precondition(a == b, "concatenate: shape \(part.shape) does not match \(reference) off axis \(axis)")
        }
        var outShape = reference
        outShape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let result = Tensor(zeros: outShape)
        var start = 0
        for part in parts {
            result.narrowed(axis: axis, start: start, length: part.shape[axis]).assignStrided(part)
            start += part.shape[axis]
        }
        return result
    }

    /// Rows of a [rows, width] table by index (torch.nn.Embedding's lookup) → [indices.count, width].
    public func gatherRows(_ indices: [Int]) -> Tensor {
        precondition(rank == 2, "gatherRows takes a [rows, width] table, got \(shape)")
        let table = contiguous()
        let width = shape[1]
        let result = Tensor(zeros: [indices.count, width])
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[0], "gatherRows: index \(index) outside 0..<\(shape[0])")
            (result.pointer + row * width).update(from: table.pointer + index * width, count: width)
        }
        return result
    }

    /// Copies `source` into this (possibly strided) view element by element.
    public func assignStrided(_ source: Tensor) {
        precondition(source.shape == shape, "assignStrided: shape \(source.shape) does not match \(shape)")
        if isContiguous { return assign(source) }
        let dense = source.contiguous()
        var index = [Int](repeating: 0, count: rank)
        for flat in 0..<count {
            var position = offset
            for axis in 0..<rank { position += index[axis] * strides[axis] }
            storage.base[position] = dense.pointer[flat]
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
