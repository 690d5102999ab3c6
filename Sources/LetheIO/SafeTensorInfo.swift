/// Where one tensor of a safetensors file lives and what it holds, as its header entry says.
public struct SafeTensorInfo: Equatable, Hashable, Sendable {
    public let name: String
    public let dtype: SafeTensorDType
    public let shape: [Int]
    /// The tensor's bytes, as offsets into the data section (which starts right after the header).
    public let byteRange: Range<Int>

    public init(name: String, dtype: SafeTensorDType, shape: [Int], byteRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteRange = byteRange
    }

    /// The number of elements (1 for a scalar, 0 if any dimension is 0).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The number of bytes of the tensor's data.
    public var byteCount: Int { byteRange.count }
}
