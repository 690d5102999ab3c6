/// Invalid arguments to a `TorchGenerator` draw.
public enum TorchGeneratorError: Error, Equatable, CustomStringConvertible {
    /// `randint` was given `low >= high` (torch: "random_ expects 'from' to be less than 'to'").
    case emptyRange(low: Int64, high: Int64)
    /// A draw was asked for a negative number of values.
    case negativeCount(Int)

    public var description: String {
        switch self {
        case let .emptyRange(low, high):
            return "TorchGenerator.randint needs low < high, but got low = \(low) and high = \(high)."
        case let .negativeCount(count):
            return "TorchGenerator.randint needs a non-negative count of values, but got \(count)."
        }
    }
}
