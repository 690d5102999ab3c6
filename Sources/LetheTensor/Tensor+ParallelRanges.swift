import Foundation

extension Tensor {
    /// Workers for `count` items of which each worker should get at least `grain`: at most one per core.
    static func workerCount(count: Int, grain: Int) -> Int {
        Swift.max(1, Swift.min(processorCount, count / Swift.max(grain, 1)))
    }

    /// Elements per worker below which an elementwise pass stays on one core (handing work to another costs
    /// microseconds; a SiLU over 64 K values takes about as long).
    static let elementwiseGrain = 1 << 16

    /// `forEachRange` over `count` elements of an elementwise pass: one worker per `elementwiseGrain` elements, at
    /// most one per core.
    static func forEachElementRange(count: Int, _ body: @Sendable (_ range: Range<Int>) -> Void) {
        forEachRange(count: count, workers: workerCount(count: count, grain: elementwiseGrain)) { _, range in body(range) }
    }

    /// Splits 0..<count into `workers` contiguous ranges and runs `body(worker, range)` for each, concurrently when
    /// there are several. Bodies must write disjoint memory (or per-worker scratch).
    static func forEachRange(count: Int, workers: Int, _ body: @Sendable (_ worker: Int, _ range: Range<Int>) -> Void) {
        guard workers > 1 else {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            body(worker, (count * worker / workers)..<(count * (worker + 1) / workers))
        }
    }
}

/// A float pointer handed to `forEachRange` workers, each of which writes its own disjoint part of the memory.
struct SharedFloatPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>

    init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
}

/// Per-worker results handed to `forEachRange` workers, each writing only its own element.
struct SharedBoolPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Bool>

    init(_ base: UnsafeMutablePointer<Bool>) { self.base = base }
}
