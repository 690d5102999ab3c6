/// Everything that can go wrong reading or writing safetensors files and their shard indexes.
///
/// Each case names the file (its path) and, where there is one, the tensor; `description` is a full sentence.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    // MARK: Files

    /// A system call failed (`operation` is e.g. "open", "mmap", "write"; `reason` is the system's message).
    case io(path: String, operation: String, reason: String)
    /// The file is shorter than the 8-byte header length prefix.
    case fileTooSmall(path: String, size: Int)
    /// The header length prefix exceeds the 100 MB limit of the reference implementation.
    case headerTooLarge(path: String, headerLength: UInt64)
    /// The header length prefix points past the end of the file.
    case headerLengthExceedsFile(path: String, headerLength: UInt64, fileSize: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(path: String, byteOffset: Int)
    /// The header is not valid JSON.
    case headerNotJSON(path: String, reason: String)
    /// The header is valid JSON but not an object.
    case headerNotObject(path: String, found: String)
    /// The header names the same tensor twice.
    case duplicateTensorName(path: String, tensor: String)
    /// `__metadata__` is not an object whose values are all strings.
    case invalidMetadata(path: String, reason: String)
    /// A tensor entry lacks `dtype`, `shape` or `data_offsets`, or one of them has the wrong JSON type.
    case invalidTensorEntry(path: String, tensor: String, reason: String)
    /// A tensor's dtype is not one the format defines.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A dimension of a tensor's shape is negative, fractional or too large.
    case invalidShape(path: String, tensor: String, reason: String)
    /// The element count or byte count of a tensor overflows.
    case sizeOverflow(path: String, tensor: String, shape: [Int], dtype: SafeTensorDType)
    /// A sub-byte dtype whose elements do not fill a whole number of bytes.
    case misalignedSubByteTensor(path: String, tensor: String, shape: [Int], dtype: SafeTensorDType)
    /// `data_offsets` has begin > end.
    case invalidOffsets(path: String, tensor: String, begin: Int, end: Int)
    /// `data_offsets` ends beyond the data section.
    case offsetsOutsideData(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// shape × dtype size differs from the byte length given by `data_offsets`.
    case byteCountMismatch(path: String, tensor: String, dtype: SafeTensorDType, shape: [Int], expected: Int, actual: Int)
    /// Two tensors share bytes.
    case overlappingTensors(path: String, first: String, second: String)
    /// Bytes of the data section between two tensors (or before the first) belong to no tensor.
    case gapInData(path: String, before: String, gapStart: Int, gapEnd: Int)
    /// Bytes after the last tensor belong to no tensor (the data section must be exactly covered).
    case trailingData(path: String, coveredBytes: Int, dataSize: Int)

    // MARK: Lookups and conversions

    /// No tensor of that name.
    case tensorNotFound(path: String, tensor: String)
    /// The tensor's dtype cannot be converted to float32 (integers, booleans, F8, F4, F6, complex).
    case notConvertibleToFloat(path: String, tensor: String, dtype: SafeTensorDType)
    /// The tensor's dtype is not an integer or boolean type.
    case notIntegral(path: String, tensor: String, dtype: SafeTensorDType)
    /// A U64 element does not fit in Int64.
    case integerOutOfRange(path: String, tensor: String, value: UInt64)

    // MARK: Shard indexes and collections

    /// The index JSON is malformed (`reason` says how).
    case invalidIndex(path: String, reason: String)
    /// A shard named in the index does not exist.
    case shardMissing(index: String, shard: String)
    /// The weight map puts a tensor in a shard that does not hold it.
    case tensorMissingFromShard(index: String, tensor: String, shard: String)
    /// A shard holds a tensor the weight map does not list.
    case tensorNotInIndex(index: String, tensor: String, shard: String)
    /// Two files of a collection hold a tensor of the same name.
    case tensorInSeveralFiles(tensor: String, first: String, second: String)
    /// A path to open is neither a safetensors file, an index nor a folder holding some.
    case noSafeTensorsFound(path: String)

    // MARK: Writing

    /// A tensor name that cannot be written: `__metadata__`, which the format reserves.
    case invalidTensorName(path: String, tensor: String)
    /// The same tensor name was given twice to the writer.
    case duplicateTensorToWrite(path: String, tensor: String)
    /// Float tensors can be written as F32, F16, BF16 or F64 only.
    case unsupportedOutputDType(path: String, tensor: String, dtype: SafeTensorDType)
    /// Raw bytes given to the writer do not match shape × dtype size.
    case rawByteCountMismatch(path: String, tensor: String, expected: Int, actual: Int)
    /// The shard size limit must be positive.
    case invalidShardSize(Int)

    public var description: String {
        switch self {
        case let .io(path, operation, reason):
            return "Could not \(operation) '\(path)': \(reason)."
        case let .fileTooSmall(path, size):
            return "Safetensors file '\(path)' is \(size) bytes long, shorter than the 8-byte header length prefix."
        case let .headerTooLarge(path, length):
            return "Safetensors file '\(path)' declares a header of \(length) bytes, more than the 100000000-byte limit."
        case let .headerLengthExceedsFile(path, length, size):
            return "Safetensors file '\(path)' declares a header of \(length) bytes but the file is only \(size) bytes long."
        case let .headerNotUTF8(path, offset):
            return "The header of safetensors file '\(path)' is not valid UTF-8 (bad byte at header offset \(offset))."
        case let .headerNotJSON(path, reason):
            return "The header of safetensors file '\(path)' is not valid JSON: \(reason)."
        case let .headerNotObject(path, found):
            return "The header of safetensors file '\(path)' must be a JSON object, found \(found)."
        case let .duplicateTensorName(path, tensor):
            return "The header of safetensors file '\(path)' lists tensor '\(tensor)' more than once."
        case let .invalidMetadata(path, reason):
            return "The __metadata__ of safetensors file '\(path)' must map strings to strings: \(reason)."
        case let .invalidTensorEntry(path, tensor, reason):
            return "Tensor '\(tensor)' in safetensors file '\(path)' has an invalid header entry: \(reason)."
        case let .unknownDType(path, tensor, dtype):
            return "Tensor '\(tensor)' in safetensors file '\(path)' has unknown dtype '\(dtype)'."
        case let .invalidShape(path, tensor, reason):
            return "Tensor '\(tensor)' in safetensors file '\(path)' has an invalid shape: \(reason)."
        case let .sizeOverflow(path, tensor, shape, dtype):
            return "Tensor '\(tensor)' in safetensors file '\(path)' has shape \(shape) of \(dtype) whose size overflows."
        case let .misalignedSubByteTensor(path, tensor, shape, dtype):
            return "Tensor '\(tensor)' in safetensors file '\(path)' has shape \(shape) of \(dtype), "
                + "which does not fill a whole number of bytes."
        case let .invalidOffsets(path, tensor, begin, end):
            return "Tensor '\(tensor)' in safetensors file '\(path)' has data_offsets [\(begin), \(end)] "
                + "whose begin is after its end."
        case let .offsetsOutsideData(path, tensor, begin, end, dataSize):
            return "Tensor '\(tensor)' in safetensors file '\(path)' has data_offsets [\(begin), \(end)] "
                + "outside the \(dataSize)-byte data section."
        case let .byteCountMismatch(path, tensor, dtype, shape, expected, actual):
            return "Tensor '\(tensor)' in safetensors file '\(path)' has shape \(shape) of \(dtype), which needs "
                + "\(expected) bytes, but its data_offsets span \(actual) bytes."
        case let .overlappingTensors(path, first, second):
            return "Tensors '\(first)' and '\(second)' in safetensors file '\(path)' overlap in the data section."
        case let .gapInData(path, before, start, end):
            return "Bytes \(start)..<\(end) of the data section of safetensors file '\(path)' (before tensor "
                + "'\(before)') belong to no tensor."
        case let .trailingData(path, covered, dataSize):
            return "The tensors of safetensors file '\(path)' cover \(covered) bytes of its \(dataSize)-byte "
                + "data section; the rest belongs to no tensor."
        case let .tensorNotFound(path, tensor):
            return "There is no tensor '\(tensor)' in '\(path)'."
        case let .notConvertibleToFloat(path, tensor, dtype):
            return "Tensor '\(tensor)' in '\(path)' is \(dtype), which cannot be converted to float32 "
                + "(only F32, F16, BF16 and F64 can); read its raw bytes instead."
        case let .notIntegral(path, tensor, dtype):
            return "Tensor '\(tensor)' in '\(path)' is \(dtype), not an integer or boolean type."
        case let .integerOutOfRange(path, tensor, value):
            return "Tensor '\(tensor)' in '\(path)' holds the U64 value \(value), which does not fit in Int64."
        case let .invalidIndex(path, reason):
            return "Safetensors index '\(path)' is invalid: \(reason)."
        case let .shardMissing(index, shard):
            return "Safetensors index '\(index)' names shard '\(shard)', which does not exist."
        case let .tensorMissingFromShard(index, tensor, shard):
            return "Safetensors index '\(index)' maps tensor '\(tensor)' to shard '\(shard)', which does not hold it."
        case let .tensorNotInIndex(index, tensor, shard):
            return "Shard '\(shard)' holds tensor '\(tensor)', which safetensors index '\(index)' does not list."
        case let .tensorInSeveralFiles(tensor, first, second):
            return "Tensor '\(tensor)' is in both '\(first)' and '\(second)'."
        case let .noSafeTensorsFound(path):
            return "'\(path)' is neither a safetensors file, a safetensors index nor a folder holding any."
        case let .invalidTensorName(path, tensor):
            return "Cannot write a tensor named '\(tensor)' to '\(path)': the name is reserved for the metadata block."
        case let .duplicateTensorToWrite(path, tensor):
            return "Cannot write '\(path)': tensor '\(tensor)' is given more than once."
        case let .unsupportedOutputDType(path, tensor, dtype):
            return "Cannot write float tensor '\(tensor)' to '\(path)' as \(dtype); use F32, F16, BF16 or F64."
        case let .rawByteCountMismatch(path, tensor, expected, actual):
            return "Cannot write tensor '\(tensor)' to '\(path)': its shape and dtype need \(expected) bytes "
                + "but \(actual) were given."
        case let .invalidShardSize(size):
            return "The maximum shard size must be positive, got \(size)."
        }
    }
}
