/// The wire type of a communicator element; each case maps to one fixed-size MPI datatype.
public enum CommunicatorDatatype: Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case float32, float64, int32, int64, uint8

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        case .uint8: 1
        }
    }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        }
    }
}

/// A fixed-size value that the communicator can move between ranks (broadcast, gather).
public protocol CommunicatorElement: BitwiseCopyable, Sendable {
    /// The wire type; its `byteCount` must equal `MemoryLayout<Self>.stride`.
    static var communicatorDatatype: CommunicatorDatatype { get }
}

/// An element the communicator can also reduce with `ReductionOp` (sum, max, min).
public protocol CommunicatorReducible: CommunicatorElement {}

extension Float: CommunicatorReducible {
    public static var communicatorDatatype: CommunicatorDatatype { .float32 }
}

extension Double: CommunicatorReducible {
    public static var communicatorDatatype: CommunicatorDatatype { .float64 }
}

extension Int32: CommunicatorReducible {
    public static var communicatorDatatype: CommunicatorDatatype { .int32 }
}

extension Int64: CommunicatorReducible {
    public static var communicatorDatatype: CommunicatorDatatype { .int64 }
}

extension Int: CommunicatorReducible {
    /// `Int` travels as a 64-bit integer on 64-bit platforms (the only ones Lethe targets).
    public static var communicatorDatatype: CommunicatorDatatype {
        MemoryLayout<Int>.size == 8 ? .int64 : .int32
    }
}

extension UInt8: CommunicatorElement {
    public static var communicatorDatatype: CommunicatorDatatype { .uint8 }
}
