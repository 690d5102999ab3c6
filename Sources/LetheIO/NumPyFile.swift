import LetheTensor

/// Reads and writes NumPy `.npy` files (numpy.lib.format).
///
/// Writing produces exactly the bytes `np.save` writes for a C-ordered float32 array of the tensor's shape
/// (dtype `'<f4'`, format version 1.0, header padded so the data starts at a multiple of 64 bytes); diffusers'
/// `output_type="np"` images saved with `np.save` compare equal byte for byte. Reading accepts `'<f4'` and
/// `'<f8'` (converted to float32, rounding to nearest) in C order, and rejects everything else with a clear
/// error.
public enum NumPyFile {
    /// The `.npy` bytes of `tensor` (any strides; written in row-major order).
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        var bytes = header(shape: tensor.shape)
        let dense = tensor.contiguous()
        bytes.reserveCapacity(bytes.count + dense.count * 4)
        appendLittleEndian(dense) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The header `np.save` writes for a C-ordered float32 array of `shape`; the array's `4 * count` bytes of
    /// little-endian float32 values follow it (for writers that stream the data themselves).
    public static func header(shape: [Int]) -> [UInt8] {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        return NumPyHeader(descriptor: "<f4", fortranOrder: false, shape: shape).encoded()
    }

    /// Writes `tensor` as a `.npy` file, atomically: a temporary file in the same directory is renamed to
    /// `path` once complete, so `path` never holds a partial array.
    public static func write(_ tensor: Tensor, toFile path: String) throws(NumPyError) {
        let headerBytes = header(shape: tensor.shape)
        let dense = tensor.contiguous()
        try FileIOError.converting(NumPyError.init) { () throws(FileIOError) in
            let output = try AtomicFileOutput(destination: path)
            try output.append(headerBytes)
            try appendLittleEndian(dense) { (bytes) throws(FileIOError) in try output.append(bytes) }
            try output.commit()
        }
    }

    /// Reads a `.npy` file of float32 or float64 values in C order into a float32 tensor of the stored shape.
    public static func read(contentsOfFile path: String) throws(NumPyError) -> Tensor {
        let bytes = try FileIOError.converting(NumPyError.init) { () throws(FileIOError) in
            try POSIXFile.readAll(path)
        }
        return try decode(bytes, source: path)
    }

    /// Decodes `.npy` bytes; `source` names the data in error messages.
    public static func decode(_ bytes: [UInt8], source: String = "the .npy data") throws(NumPyError) -> Tensor {
        let result = bytes.withUnsafeBytes { bytes in
            Result { () throws(NumPyError) -> Tensor in try decode(bytes, source: source) }
        }
        return try result.get()
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(NumPyError) -> Tensor {
        let (header, dataOffset) = try NumPyHeader.decode(bytes, source: source)
        let itemSize: Int
        switch header.descriptor {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        default:
            throw .unsupported(source: source, detail: "dtype '\(header.descriptor)' (expected '<f4' or '<f8', "
                + "little-endian float32 or float64)")
        }
        if header.fortranOrder {
            throw .unsupported(source: source, detail: "Fortran (column-major) order; save a C-ordered array, "
                + "for example with np.ascontiguousarray")
        }
        var count = 1
        for dimension in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= Int.max / itemSize else {
                throw .invalidHeader(source: source, detail: "the shape \(header.shape) is too large")
            }
            count = product
        }
        let available = bytes.count - dataOffset
        guard available == count * itemSize else {
            throw .sizeMismatch(source: source, expectedBytes: count * itemSize, foundBytes: available)
        }
        let tensor = Tensor(zeros: header.shape)
        let target = tensor.pointer
        let data = bytes.baseAddress! + dataOffset
        if itemSize == 4 {
            for index in 0..<count {
                target[index] = Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(
                    fromByteOffset: index * 4, as: UInt32.self)))
            }
        } else {
            for index in 0..<count {
                target[index] = Float(Double(bitPattern: UInt64(littleEndian: data.loadUnaligned(
                    fromByteOffset: index * 8, as: UInt64.self))))
            }
        }
        return tensor
    }

    /// Hands the little-endian bytes of a contiguous tensor to `consume`, in chunks.
    private static func appendLittleEndian<Failure: Error>(
        _ dense: Tensor, _ consume: (UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        let count = dense.count
        guard count > 0 else { return }
        #if _endian(little)
        try consume(UnsafeRawBufferPointer(start: dense.pointer, count: count * 4))
        #else
        let chunk = 1 << 16
        var buffer = [UInt32](repeating: 0, count: chunk)
        for start in stride(from: 0, to: count, by: chunk) {
            let length = min(chunk, count - start)
            for index in 0..<length { buffer[index] = dense.pointer[start + index].bitPattern.littleEndian }
            try buffer.withUnsafeBytes { raw in
                Result { () throws(Failure) in try consume(UnsafeRawBufferPointer(rebasing: raw.prefix(length * 4))) }
            }.get()
        }
        #endif
    }
}
