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
    public init(count: Int) {
        precondition(count >= 0, "negative storage size")
        let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        base = pointer
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
}
