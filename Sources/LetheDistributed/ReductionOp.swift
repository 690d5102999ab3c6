/// An elementwise reduction applied across ranks by `Communicator.allreduce`.
public enum ReductionOp: Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case sum, max, min

    public var description: String {
        switch self {
        case .sum: "sum"
        case .max: "max"
        case .min: "min"
        }
    }
}
