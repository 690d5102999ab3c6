import LetheTensor

/// How the training tests compare a tensor with its reference.
enum TensorComparison {
    /// max|a − b| / max|b| (0 when both are all zero, infinite when only the reference is).
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        precondition(actual.shape == expected.shape, "shapes differ: \(actual.shape) vs \(expected.shape)")
        var difference = 0.0, reference = 0.0
        for (a, b) in zip(actual.toArray(), expected.toArray()) {
            difference = max(difference, abs(Double(a) - Double(b)))
            reference = max(reference, abs(Double(b)))
        }
        return reference > 0 ? difference / reference : (difference == 0 ? 0 : .infinity)
    }
}
