import LetheTensor

extension Optional where Wrapped == Tensor {
    /// The sum of two gradient contributions, nil standing for none; neither operand is modified (a child's
    /// gradient may be a view that something else still reads).
    func adding(_ term: Tensor?) -> Tensor? {
        guard let term else { return self }
        guard let self else { return term }
        return self + term
    }
}
