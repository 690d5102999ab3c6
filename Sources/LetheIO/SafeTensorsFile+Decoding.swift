import LetheTensor

#if _endian(big)
#error("safetensors data is little-endian; decoding assumes a little-endian host")
#endif

extension SafeTensorsFile {
    public func tensor(named name: String) throws(SafeTensorsError) -> Tensor {
        let info = try requireInfo(name)
        guard info.dtype.convertsToFloat32 else {
            throw .notConvertibleToFloat(path: path, tensor: name, dtype: info.dtype)
        }
        let source = bytes(of: info)
        let count = info.elementCount
        if info.dtype == .f32, count > 0, let start = source.baseAddress,
           Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
            // Zero-copy: the storage borrows the read-only mapping and keeps it alive. A misaligned float32 tensor
            // (the format allows any data offset) cannot be viewed as floats and is copied below instead.
            let offset = dataStart + info.byteRange.lowerBound
            let pointer = (mapping.mutableBytes.baseAddress! + offset).assumingMemoryBound(to: Float.self)
            return Tensor(storage: TensorStorage(borrowing: pointer, count: count, owner: mapping), shape: info.shape)
        }
        let result = Tensor(zeros: info.shape)
        try decode(info, into: result.pointer)
        return result
    }

    public func decodeFloat32(named name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(SafeTensorsError) {
        let info = try requireInfo(name)
        guard info.dtype.convertsToFloat32 else {
            throw .notConvertibleToFloat(path: path, tensor: name, dtype: info.dtype)
        }
        precondition(info.elementCount == count, "'\(name)' has \(info.elementCount) elements, the destination \(count)")
        try decode(info, into: destination)
    }

    /// Converts a float tensor's stored bytes into `destination` (its element count).
    private func decode(_ info: SafeTensorInfo, into destination: UnsafeMutablePointer<Float>) throws(SafeTensorsError) {
        let source = bytes(of: info)
        let count = info.elementCount
        guard count > 0, let start = source.baseAddress else { return }
        switch info.dtype {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: start, byteCount: count * 4)
        case .f16:
            HalfPrecision.decodeF16(start, count: count, into: destination)
        case .bf16:
            HalfPrecision.decodeBF16(start, count: count, into: destination)
        case .f64:
            for index in 0..<count {
                destination[index] = Float(start.loadUnaligned(fromByteOffset: index &* 8, as: Double.self))
            }
        default:
            preconditionFailure("convertsToFloat32 admitted \(info.dtype)")
        }
    }

    public func int64Values(named name: String) throws(SafeTensorsError) -> [Int64] {
        let info = try requireInfo(name)
        guard info.dtype.isIntegral else { throw .notIntegral(path: path, tensor: name, dtype: info.dtype) }
        let source = bytes(of: info)
        let count = info.elementCount
        guard count > 0, let start = source.baseAddress else { return [] }
        var values = [Int64](repeating: 0, count: count)
        var tooLarge: UInt64?
        values.withUnsafeMutableBufferPointer { output in
            func widen<T: FixedWidthInteger>(_ type: T.Type) {
                let size = MemoryLayout<T>.size
                for index in 0..<count {
                    output[index] = Int64(truncatingIfNeeded: start.loadUnaligned(fromByteOffset: index &* size, as: T.self))
                }
            }
            switch info.dtype {
            case .bool, .u8: widen(UInt8.self)
            case .i8: widen(Int8.self)
            case .i16: widen(Int16.self)
            case .u16: widen(UInt16.self)
            case .i32: widen(Int32.self)
            case .u32: widen(UInt32.self)
            case .i64: widen(Int64.self)
            case .u64:
                for index in 0..<count {
                    let value = start.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self)
                    guard let exact = Int64(exactly: value) else {
                        tooLarge = value
                        return
                    }
                    output[index] = exact
                }
            default:
                preconditionFailure("isIntegral admitted \(info.dtype)")
            }
        }
        if let tooLarge { throw .integerOutOfRange(path: path, tensor: name, value: tooLarge) }
        return values
    }
}
