extension DoubleMatrix {
    /// A rank-2 Float tensor (any strides) widened to Double.
    public init(_ tensor: Tensor) throws {
        guard tensor.rank == 2 else { throw LinearAlgebraError.notAMatrix(shape: tensor.shape) }
        let dense = tensor.contiguous()
        self.init(rows: tensor.shape[0], columns: tensor.shape[1])
        withUnsafeMutableBufferPointer { destination in
            dense.withUnsafeBufferPointer { source in
                for index in 0..<source.count { destination[index] = Double(source[index]) }
            }
        }
    }

    /// The matrix rounded to a new Float tensor of shape [rows, columns].
    public func toTensor() -> Tensor {
        let tensor = Tensor(zeros: [rows, columns])
        tensor.withUnsafeMutableBufferPointer { destination in
            withUnsafeBufferPointer { source in
                for index in 0..<source.count { destination[index] = Float(source[index]) }
            }
        }
        return tensor
    }
}
