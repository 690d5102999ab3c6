/// A float32 tensor: shared storage plus a shape/stride view of it (row-major by default).
///
/// Views (`reshaped`, `transposed`, `narrowed`, `selecting`) are cheap and share storage; `contiguous()` copies
/// only when the view is not already dense. Kernels take contiguous tensors and say so with a precondition.
public struct Tensor: Sendable {
    public let storage: TensorStorage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int

    public init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int) {
        precondition(shape.count == strides.count, "shape \(shape) and strides \(strides) differ in rank")
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// A dense view of `storage` from `offset`.
    public init(storage: TensorStorage, shape: [Int], offset: Int = 0) {
        let count = shape.reduce(1, *)
        precondition(offset >= 0 && offset + count <= storage.count, "shape \(shape) does not fit its storage")
        self.init(storage: storage, shape: shape, strides: Tensor.denseStrides(for: shape), offset: offset)
    }

    /// A new zero-filled tensor.
    public init(zeros shape: [Int]) {
        self.init(storage: TensorStorage(count: shape.reduce(1, *)), shape: shape)
    }

    /// A new tensor whose elements are not set: every one must be written before it is read (see
    /// `TensorStorage.init(unfilledCount:)`).
    public init(unfilled shape: [Int]) {
        self.init(storage: TensorStorage(unfilledCount: shape.reduce(1, *)), shape: shape)
    }

    /// A new tensor filled with `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(zeros: shape)
        if value != 0 { storage.base.update(repeating: value, count: count) }
    }

    /// A new tensor holding `values` in row-major order.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A scalar (rank-0) tensor.
    public init(scalar: Float) {
        self.init(shape: [], values: [scalar])
    }

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    public var isContiguous: Bool { strides == Tensor.denseStrides(for: shape) || count <= 1 }

    public static func denseStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= Swift.max(shape[axis], 1)
        }
        return strides
    }
}
