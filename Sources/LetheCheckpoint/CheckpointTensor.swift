import LetheTensor

/// One tensor of a checkpoint, addressed by name (never by rank or offset, so a job resumes on any number of ranks):
/// float32 values (trained weights, optimizer moments) or bytes (images a job generated and must not make again).
public struct CheckpointTensor: Sendable {
    public enum Values: Sendable {
        case float32(Tensor)
        case uint8([UInt8])
    }

    public let name: String
    public let values: Values

    public init(_ name: String, _ tensor: Tensor) {
        self.name = name
        values = .float32(tensor.contiguous())
    }

    public init(_ name: String, bytes: [UInt8]) {
        self.name = name
        values = .uint8(bytes)
    }

    public var shape: [Int] {
        switch values {
        case .float32(let tensor): tensor.shape
        case .uint8(let bytes): [bytes.count]
        }
    }

    var dtype: CheckpointDType {
        switch values {
        case .float32: .float32
        case .uint8: .uint8
        }
    }

    public var byteCount: Int { shape.reduce(1, *) * dtype.size }

    /// The float32 values; nil for bytes.
    public var tensor: Tensor? {
        if case .float32(let tensor) = values { return tensor }
        return nil
    }

    /// The bytes; nil for float32 values.
    public var bytes: [UInt8]? {
        if case .uint8(let bytes) = values { return bytes }
        return nil
    }
}
