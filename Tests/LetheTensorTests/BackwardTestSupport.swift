import LetheTensor

/// Central finite differences of a float64 scalar function: ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h. The
/// reference gradients of the backward-kernel tests, taken from forward passes written independently in float64.
func centralDifferences(at point: [Double], step: Double = 1e-5, _ function: ([Double]) -> Double) -> [Double] {
    var x = point
    return point.indices.map { index in
        x[index] = point[index] + step
        let above = function(x)
        x[index] = point[index] - step
        let below = function(x)
        x[index] = point[index]
        return (above - below) / (2 * step)
    }
}

/// max|a − b| / max|b|: the error bound of the backward kernels (float32 kernel against a float64 reference).
func gradientError(_ actual: [Double], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "element counts differ: \(actual.count) vs \(expected.count)")
    let scale = expected.reduce(0) { max($0, abs($1)) }
    let worst = zip(actual, expected).reduce(0) { max($0, abs($1.0 - $1.1)) }
    return scale == 0 ? worst : worst / scale
}

func gradientError(_ actual: Tensor, _ expected: [Double]) -> Double {
    gradientError(doubles(actual), expected)
}

/// What a gradient target gained: its values now minus its values before.
func increment(of target: Tensor, from before: [Double]) -> [Double] {
    zip(doubles(target), before).map { $0 - $1 }
}

/// A tensor's elements in row-major order, widened to float64.
func doubles(_ tensor: Tensor) -> [Double] { tensor.toArray().map(Double.init) }

/// Σ aᵢ·bᵢ: the loss Σ y·R whose gradient with respect to y is R.
func weightedSum(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "element counts differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

/// Central differences at the chosen coordinates only (for tensors too large to difference everywhere).
func centralDifferences(at point: [Double], indices: [Int], step: Double = 1e-5,
                        _ function: ([Double]) -> Double) -> [Double] {
    var x = point
    return indices.map { index in
        x[index] = point[index] + step
        let above = function(x)
        x[index] = point[index] - step
        let below = function(x)
        x[index] = point[index]
        return (above - below) / (2 * step)
    }
}

/// `count` coordinates spread evenly over 0..<total, first and last included (so every worker's range is hit).
func spreadIndices(_ count: Int, of total: Int) -> [Int] {
    (0..<count).map { $0 * (total - 1) / max(count - 1, 1) }
}
