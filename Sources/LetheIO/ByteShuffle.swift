/// The byte-shuffle filter of Blosc and HDF5: groups byte k of every element into plane k, so the slowly
/// varying bytes of numeric data (float sign/exponent bytes) sit together and compress far better.
///
/// For `n = count / elementSize` whole elements, output byte `k * n + i` is input byte `i * elementSize + k`.
/// Trailing bytes that do not fill an element are copied unchanged to the end.
public enum ByteShuffle {
    /// Writes the shuffled bytes of `source` to `destination` (same size, not overlapping).
    public static func shuffle(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                               elementSize: Int) {
        precondition(elementSize > 0, "element size must be positive")
        precondition(destination.count == source.count, "shuffle destination must match the source size")
        guard let input = source.baseAddress, let output = destination.baseAddress else { return }
        let elements = source.count / elementSize
        switch elementSize {
        case 1: output.copyMemory(from: input, byteCount: source.count)
        case 2: shuffleWords(UInt16.self, input, output, elements)
        case 4: shuffleWords(UInt32.self, input, output, elements)
        case 8: shuffleWords(UInt64.self, input, output, elements)
        default: shuffleAny(input, output, elements, elementSize)
        }
        copyTail(input, output, elements * elementSize, source.count)
    }

    /// Undoes `shuffle`: writes the original bytes of the shuffled `source` to `destination`.
    public static func unshuffle(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                                 elementSize: Int) {
        precondition(elementSize > 0, "element size must be positive")
        precondition(destination.count == source.count, "unshuffle destination must match the source size")
        guard let input = source.baseAddress, let output = destination.baseAddress else { return }
        let elements = source.count / elementSize
        switch elementSize {
        case 1: output.copyMemory(from: input, byteCount: source.count)
        case 2: unshuffleWords(UInt16.self, input, output, elements)
        case 4: unshuffleWords(UInt32.self, input, output, elements)
        case 8: unshuffleWords(UInt64.self, input, output, elements)
        default: unshuffleAny(input, output, elements, elementSize)
        }
        copyTail(input, output, elements * elementSize, source.count)
    }

    /// The shuffled copy of `bytes`.
    public static func shuffled(_ bytes: [UInt8], elementSize: Int) -> [UInt8] {
        transformed(bytes) { shuffle($0, into: $1, elementSize: elementSize) }
    }

    /// The unshuffled copy of `bytes`.
    public static func unshuffled(_ bytes: [UInt8], elementSize: Int) -> [UInt8] {
        transformed(bytes) { unshuffle($0, into: $1, elementSize: elementSize) }
    }

    private static func transformed(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Void
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            bytes.withUnsafeBytes { body($0, UnsafeMutableRawBufferPointer(buffer)) }
            count = bytes.count
        }
    }

    /// 2-, 4- and 8-byte elements (fp16, float32, float64): one word load per element, split into the planes.
    /// Inlined per word type, so each is a concrete loop; stepping a pointer by plane (wrapping arithmetic, no
    /// overflow checks) lets LLVM vectorize the 2- and 4-byte cases.
    @inline(__always)
    private static func shuffleWords<Word: FixedWidthInteger & UnsignedInteger>(
        _: Word.Type, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ elements: Int
    ) {
        let planes = output.assumingMemoryBound(to: UInt8.self)
        let size = MemoryLayout<Word>.size
        for i in 0..<elements {
            let word = Word(littleEndian: input.loadUnaligned(fromByteOffset: size &* i, as: Word.self))
            var plane = planes + i
            for byte in 0..<size {
                plane.pointee = UInt8(truncatingIfNeeded: word &>> (8 &* byte))
                plane += elements
            }
        }
    }

    @inline(__always)
    private static func unshuffleWords<Word: FixedWidthInteger & UnsignedInteger>(
        _: Word.Type, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ elements: Int
    ) {
        let planes = input.assumingMemoryBound(to: UInt8.self)
        let size = MemoryLayout<Word>.size
        for i in 0..<elements {
            var word: Word = 0
            var plane = planes + i
            for byte in 0..<size {
                word |= Word(plane.pointee) &<< (8 &* byte)
                plane += elements
            }
            output.storeBytes(of: word.littleEndian, toByteOffset: size &* i, as: Word.self)
        }
    }

    /// Elements per tile in the any-size loops: a tile's source bytes stay in cache while each plane is written.
    private static let tileElements = 2048

    /// Any element size: tile by tile, one plane at a time within the tile.
    private static func shuffleAny(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ elements: Int,
                                   _ elementSize: Int) {
        let source = input.assumingMemoryBound(to: UInt8.self)
        let destination = output.assumingMemoryBound(to: UInt8.self)
        for tileStart in stride(from: 0, to: elements, by: tileElements) {
            let tileEnd = min(tileStart + tileElements, elements)
            for byte in 0..<elementSize {
                let plane = destination + byte * elements
                let column = source + byte
                for i in tileStart..<tileEnd { plane[i] = column[i &* elementSize] }
            }
        }
    }

    private static func unshuffleAny(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ elements: Int,
                                     _ elementSize: Int) {
        let source = input.assumingMemoryBound(to: UInt8.self)
        let destination = output.assumingMemoryBound(to: UInt8.self)
        for tileStart in stride(from: 0, to: elements, by: tileElements) {
            let tileEnd = min(tileStart + tileElements, elements)
            for byte in 0..<elementSize {
                let plane = source + byte * elements
                let column = destination + byte
                for i in tileStart..<tileEnd { column[i &* elementSize] = plane[i] }
            }
        }
    }

    private static func copyTail(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ start: Int,
                                 _ end: Int) {
        if end > start { (output + start).copyMemory(from: input + start, byteCount: end - start) }
    }
}
