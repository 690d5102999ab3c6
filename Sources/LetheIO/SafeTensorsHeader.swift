/// The parsed and validated header of a safetensors file.
///
/// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section, which the
/// tensors' `data_offsets` must cover exactly, without gaps or overlaps (as the reference implementation demands).
struct SafeTensorsHeader: Sendable {
    /// The reference implementation refuses headers above 100 MB.
    static let maximumLength: UInt64 = 100_000_000
    static let lengthPrefixSize = 8
    static let metadataKey = "__metadata__"

    /// The `__metadata__` block, nil when the header has none.
    let metadata: [String: String]?
    /// The tensors in data order.
    let tensors: [SafeTensorInfo]
    /// The header's byte length N (without the 8-byte prefix).
    let length: Int

    /// The file offset where the data section starts.
    var dataStart: Int { Self.lengthPrefixSize + length }

    /// Parses and validates the header of a whole file's bytes; `path` is used in error messages.
    static func parse(file bytes: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) -> SafeTensorsHeader {
        guard bytes.count >= lengthPrefixSize else { throw .fileTooSmall(path: path, size: bytes.count) }
        var declared: UInt64 = 0
        for index in (0..<lengthPrefixSize).reversed() { declared = declared << 8 | UInt64(bytes[index]) }
        guard declared <= maximumLength else { throw .headerTooLarge(path: path, headerLength: declared) }
        let length = Int(declared)
        guard length <= bytes.count - lengthPrefixSize else {
            throw .headerLengthExceedsFile(path: path, headerLength: declared, fileSize: bytes.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[lengthPrefixSize..<(lengthPrefixSize + length)])
        if let badOffset = firstInvalidUTF8Offset(headerBytes) { throw .headerNotUTF8(path: path, byteOffset: badOffset) }

        let json: SafeTensorsJSON
        do {
            json = try SafeTensorsJSONParser.parse(headerBytes)
        } catch {
            throw .headerNotJSON(path: path, reason: error.description)
        }
        guard case .object(let members) = json else { throw .headerNotObject(path: path, found: json.kindName) }

        var metadata: [String: String]?
        var sawMetadata = false
        var tensors: [SafeTensorInfo] = []
        var names = Set<String>()
        tensors.reserveCapacity(members.count)
        for (key, value) in members {
            if key == metadataKey {
                guard !sawMetadata else { throw .invalidMetadata(path: path, reason: "the block is given twice") }
                sawMetadata = true
                metadata = try parseMetadata(value, path: path)
                continue
            }
            guard names.insert(key).inserted else { throw .duplicateTensorName(path: path, tensor: key) }
            tensors.append(try parseEntry(name: key, value, path: path))
        }
        let dataSize = bytes.count - lengthPrefixSize - length
        let ordered = try validateLayout(tensors, dataSize: dataSize, path: path)
        return SafeTensorsHeader(metadata: metadata, tensors: ordered, length: length)
    }

    private static func parseMetadata(_ value: SafeTensorsJSON, path: String) throws(SafeTensorsError) -> [String: String]? {
        switch value {
        case .null:
            return nil
        case .object(let members):
            var result: [String: String] = [:]
            for (key, entry) in members {
                guard case .string(let text) = entry else {
                    throw .invalidMetadata(path: path, reason: "the value of '\(key)' is \(entry.kindName)")
                }
                // A repeated key keeps its last value, as the reference implementation does.
                result[key] = text
            }
            return result
        default:
            throw .invalidMetadata(path: path, reason: "found \(value.kindName) instead of an object")
        }
    }

    private static func parseEntry(name: String, _ value: SafeTensorsJSON, path: String) throws(SafeTensorsError) -> SafeTensorInfo {
        func invalid(_ reason: String) -> SafeTensorsError { .invalidTensorEntry(path: path, tensor: name, reason: reason) }
        guard case .object(let members) = value else { throw invalid("expected an object, found \(value.kindName)") }
        var fields: [String: SafeTensorsJSON] = [:]
        for (key, entry) in members where ["dtype", "shape", "data_offsets"].contains(key) {
            guard fields.updateValue(entry, forKey: key) == nil else { throw invalid("field '\(key)' is given twice") }
        }
        guard let dtypeValue = fields["dtype"] else { throw invalid("missing field 'dtype'") }
        guard let shapeValue = fields["shape"] else { throw invalid("missing field 'shape'") }
        guard let offsetsValue = fields["data_offsets"] else { throw invalid("missing field 'data_offsets'") }

        guard case .string(let dtypeName) = dtypeValue else { throw invalid("'dtype' must be a string, found \(dtypeValue.kindName)") }
        guard let dtype = SafeTensorDType(rawValue: dtypeName) else {
            throw .unknownDType(path: path, tensor: name, dtype: dtypeName)
        }

        guard case .array(let dimensions) = shapeValue else { throw invalid("'shape' must be an array, found \(shapeValue.kindName)") }
        var shape: [Int] = []
        shape.reserveCapacity(dimensions.count)
        for (axis, dimension) in dimensions.enumerated() {
            guard let size = dimension.nonNegativeInteger else {
                let problem = switch dimension {
                case .number where dimension.isNegativeNumber: "is negative"
                case .number(let text) where text.contains(where: { ".eE".contains($0) }): "is not an integer"
                case .number: "is too large"
                default: "is \(dimension.kindName), not an integer"
                }
                throw .invalidShape(path: path, tensor: name, reason: "dimension \(axis) (\(dimension.kindName)) \(problem)")
            }
            shape.append(size)
        }

        guard case .array(let offsets) = offsetsValue, offsets.count == 2,
              let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger
        else { throw invalid("'data_offsets' must be an array of two non-negative integers") }
        guard begin <= end else { throw .invalidOffsets(path: path, tensor: name, begin: begin, end: end) }

        var elementCount = 1
        for size in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .sizeOverflow(path: path, tensor: name, shape: shape, dtype: dtype) }
            elementCount = product
        }
        let (bits, overflow) = elementCount.multipliedReportingOverflow(by: dtype.bitSize)
        guard !overflow else { throw .sizeOverflow(path: path, tensor: name, shape: shape, dtype: dtype) }
        guard bits % 8 == 0 else { throw .misalignedSubByteTensor(path: path, tensor: name, shape: shape, dtype: dtype) }
        guard end - begin == bits / 8 else {
            throw .byteCountMismatch(path: path, tensor: name, dtype: dtype, shape: shape, expected: bits / 8, actual: end - begin)
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// Checks that the tensors tile the data section exactly and returns them in data order.
    private static func validateLayout(_ tensors: [SafeTensorInfo], dataSize: Int, path: String) throws(SafeTensorsError) -> [SafeTensorInfo] {
        for tensor in tensors where tensor.byteRange.upperBound > dataSize {
            throw .offsetsOutsideData(path: path, tensor: tensor.name, begin: tensor.byteRange.lowerBound,
                                      end: tensor.byteRange.upperBound, dataSize: dataSize)
        }
        let ordered = tensors.sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound)
        }
        var covered = 0
        var previous: String?
        for tensor in ordered {
            let begin = tensor.byteRange.lowerBound
            if begin < covered, let previous {
                throw .overlappingTensors(path: path, first: previous, second: tensor.name)
            }
            if begin > covered {
                throw .gapInData(path: path, before: tensor.name, gapStart: covered, gapEnd: begin)
            }
            covered = tensor.byteRange.upperBound
            previous = tensor.name
        }
        guard covered == dataSize else { throw .trailingData(path: path, coveredBytes: covered, dataSize: dataSize) }
        return ordered
    }

    /// The offset of the first byte that breaks UTF-8, or nil if all of `bytes` is valid.
    private static func firstInvalidUTF8Offset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        // Fast path: pure ASCII, as headers almost always are.
        if bytes.allSatisfy({ $0 < 0x80 }) { return nil }
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error(let length): _ = length; return offset
            }
        }
    }
}
