import COpenBLAS
import Foundation

/// The float32 buffer behind one or more `Tensor` views.
///
/// Either owns an allocation (freed on deinit) or borrows memory kept alive by `owner`, such as a memory-mapped
/// safetensors file. Views share storage the way PyTorch's do: writing through one is seen by the others.
/// Marked `@unchecked Sendable` because it is a plain buffer: callers that share it across threads coordinate
/// their writes, as they would with any tensor library.
public final class TensorStorage: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int
    private let owner: AnyObject?
    private let ownsMemory: Bool

    /// A new zero-filled buffer of `count` floats.
    public convenience init(count: Int) {
        self.init(unfilledCount: count)
        base.initialize(repeating: 0, count: max(count, 1))
    }

    /// A new buffer of `count` floats left as the allocator hands them over, for results whose every element is
    /// written before anything reads it (a product's output, a normalised copy): zero-filling them first was a
    /// separate pass over every activation of a UNet step.
    public init(unfilledCount count: Int) {
        precondition(count >= 0, "negative storage size")
        TensorStorage.heapKeepsFreedMemory.ensure()
        base = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        self.count = count
        owner = nil
        ownsMemory = true
    }

    /// Borrows `count` floats at `pointer`, kept valid for as long as `owner` lives.
    public init(borrowing pointer: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        base = pointer
        self.count = count
        self.owner = owner
        ownsMemory = false
    }

    deinit {
        if ownsMemory { base.deallocate() }
    }

    /// glibc serves allocations above 128 KB (its threshold then rises with what is freed, to at most 32 MB) with
    /// fresh mmaps and returns freed memory at the top of the heap to the kernel, so every UNet step's activations
    /// and scratch buffers come back as new pages the kernel faults in and zeroes again: measured at a quarter of a
    /// Winograd convolution's time. Serving every block from the heap (no mmaps of its own, so also the buffers
    /// above 32 MB: SD 1.5's feed-forward products at 64×64, 42 MB, and the Winograd kernels of its 1920-channel
    /// up-block convolutions, 79 MB) and not trimming it lets steady-state steps reuse pages, as PyTorch's caching
    /// allocator does. SD 1.5's forward at 64×64 then faults in 20 000–30 000 fewer pages per step and its first
    /// step comes closer to the next; peak RSS stayed the same (3.41 GiB forward, 5.07 GiB attn2 training, 6.91 GiB a
    /// Forget-Me-Not attn2 step, 7.05 GiB a textual-inversion step). A user's own malloc settings (GLIBC_TUNABLES,
    /// MALLOC_*_) are kept.
    static let heapKeepsFreedMemory = HeapSettings()

    struct HeapSettings {
        let applied: Bool

        init() {
            let environment = ProcessInfo.processInfo.environment
            let userSettings = environment.keys.contains { $0.hasPrefix("MALLOC_") }
                || (environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.") ?? false)
            applied = !userSettings && lethe_keep_freed_memory() == 1
        }

        @inline(__always) func ensure() {}
    }
}
