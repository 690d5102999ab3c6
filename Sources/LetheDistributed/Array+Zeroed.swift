#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Array where Element: BitwiseCopyable {
    /// `count` elements whose bytes are all zero (0 for the numeric element types), ready to receive into.
    static func zeroed(count: Int) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            if let base = buffer.baseAddress { memset(base, 0, count * MemoryLayout<Element>.stride) }
            initializedCount = count
        }
    }
}

/// Copies `source` into `destination` starting at element `index` (memmove, so the two may overlap).
func copyElements<T: BitwiseCopyable>(
    _ source: UnsafeBufferPointer<T>, into destination: UnsafeMutableBufferPointer<T>, at index: Int
) {
    guard source.count > 0, let from = source.baseAddress, let to = destination.baseAddress else { return }
    precondition(index >= 0 && index + source.count <= destination.count, "copy outside the destination buffer")
    UnsafeMutableRawPointer(to + index).copyMemory(from: from, byteCount: source.count * MemoryLayout<T>.stride)
}
