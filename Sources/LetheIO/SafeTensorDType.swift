/// An element type of the safetensors format, spelled as in the file header ("F32", "BF16", ...).
///
/// The cases are declared in the order the reference implementation ranks them by alignment; the writer sorts
/// tensors by this rank, highest first, so every tensor of a written file stays aligned to its element size.
public enum SafeTensorDType: String, CaseIterable, Sendable, CustomStringConvertible {
    case bool = "BOOL"
    case f4 = "F4"
    case f6E2M3 = "F6_E2M3"
    case f6E3M2 = "F6_E3M2"
    case u8 = "U8"
    case i8 = "I8"
    case f8E5M2 = "F8_E5M2"
    case f8E4M3 = "F8_E4M3"
    case f8E8M0 = "F8_E8M0"
    case f8E4M3FNUZ = "F8_E4M3FNUZ"
    case f8E5M2FNUZ = "F8_E5M2FNUZ"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case c64 = "C64"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    public var description: String { rawValue }

    /// Bits per element (sub-byte types such as F4 pack several elements into one byte).
    public var bitSize: Int {
        switch self {
        case .f4: 4
        case .f6E2M3, .f6E3M2: 6
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0, .f8E4M3FNUZ, .f8E5M2FNUZ: 8
        case .i16, .u16, .f16, .bf16: 16
        case .i32, .u32, .f32: 32
        case .c64, .f64, .i64, .u64: 64
        }
    }

    /// Bytes per element, or nil for the sub-byte types.
    public var byteSize: Int? { bitSize % 8 == 0 ? bitSize / 8 : nil }

    /// The position in the reference implementation's alignment order (higher is written first).
    var alignmentRank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    /// True for the types `SafeTensorsFile.tensor(named:)` converts to float32.
    public var convertsToFloat32: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: true
        default: false
        }
    }

    /// True for the types `int64Values(named:)` reads (integers and booleans).
    public var isIntegral: Bool {
        switch self {
        case .bool, .u8, .i8, .i16, .u16, .i32, .u32, .i64, .u64: true
        default: false
        }
    }
}
