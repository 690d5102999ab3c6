import LetheTensor

/// One tensor for `SafeTensorsWriter`: a float tensor to store in a chosen float type, raw bytes of any type,
/// or a tensor copied unchanged from a file that was read.
public struct SafeTensorsEntry: Sendable {
    /// Where the entry's bytes come from.
    public enum Payload: Sendable {
        /// Converted from float32 to the entry's dtype (F32, F16, BF16 or F64).
        case float(Tensor)
        /// Stored as given: little-endian, row-major, exactly shape × dtype size bytes.
        case bytes([UInt8])
        /// Copied byte for byte from the tensor of that name in a reader.
        case stored(any SafeTensorsReader, name: String)
    }

    public let name: String
    public let dtype: SafeTensorDType
    public let shape: [Int]
    public let payload: Payload

    /// A float tensor, stored as `dtype` (F32 by default; F16 and BF16 round to nearest even).
    public init(name: String, tensor: Tensor, dtype: SafeTensorDType = .f32) {
        self.name = name
        self.dtype = dtype
        shape = tensor.shape
        payload = .float(tensor)
    }

    /// Raw little-endian bytes of any dtype (for integer and boolean tensors, or data already encoded).
    public init(name: String, dtype: SafeTensorDType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        payload = .bytes(bytes)
    }

    /// The tensor `sourceName` of `reader`, copied unchanged under `name` (by default the same name).
    public init(copying sourceName: String, from reader: any SafeTensorsReader, as name: String? = nil) throws(SafeTensorsError) {
        guard let info = reader.info(named: sourceName) else {
            throw .tensorNotFound(path: reader.location, tensor: sourceName)
        }
        self.name = name ?? sourceName
        dtype = info.dtype
        shape = info.shape
        payload = .stored(reader, name: sourceName)
    }

    /// The byte count the entry's shape and dtype call for.
    func expectedByteCount(path: String) throws(SafeTensorsError) -> Int {
        var elements = 1
        for (axis, size) in shape.enumerated() {
            guard size >= 0 else { throw .invalidShape(path: path, tensor: name, reason: "dimension \(axis) is \(size)") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .sizeOverflow(path: path, tensor: name, shape: shape, dtype: dtype) }
            elements = product
        }
        let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bitSize)
        guard !overflow else { throw .sizeOverflow(path: path, tensor: name, shape: shape, dtype: dtype) }
        guard bits % 8 == 0 else { throw .misalignedSubByteTensor(path: path, tensor: name, shape: shape, dtype: dtype) }
        return bits / 8
    }
}
