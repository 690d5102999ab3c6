import LetheTensor

/// Deterministic pseudo-random test inputs from a 64-bit LCG (independent of the library's own generators).
struct TestValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }

    /// Uniform in [-1, 1).
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 40) / Double(1 << 24)) * 2 - 1
    }

    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<count).map { _ in next() * scale })
    }
}

/// Largest |a − b| / (|b| + floor) over paired elements. The floor turns the measure absolute near zero, where
/// float32 sums of order-one terms can only be compared absolutely.
func maxRelativeError(_ actual: [Float], _ expected: [Double], floor: Double = 1) -> Double {
    precondition(actual.count == expected.count, "element counts differ: \(actual.count) vs \(expected.count)")
    var worst = 0.0
    for (a, e) in zip(actual, expected) { worst = max(worst, abs(Double(a) - e) / (abs(e) + floor)) }
    return worst
}
