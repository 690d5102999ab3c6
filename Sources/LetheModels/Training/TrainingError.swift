/// Mistakes in setting up training, named with what was asked for.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A pattern of a parameter selection matched no parameter of the model.
    case patternMatchesNothing(pattern: String, model: String)
    /// A row selection names a parameter the model does not have.
    case unknownParameter(name: String, model: String)
    /// A row selection names rows outside the parameter.
    case rowOutOfRange(name: String, row: Int, rows: Int)
    /// A row selection on a parameter that is not a matrix.
    case rowsOfNonMatrix(name: String, shape: [Int])
    /// Nothing to train.
    case emptySelection(model: String)
    /// The weights were loaded read-only from the file's mapping (`WeightLoading.mapped`), which nothing may change.
    case mappedWeights(model: String)

    public var description: String {
        switch self {
        case .patternMatchesNothing(let pattern, let model):
            "The trainable-parameter pattern '\(pattern)' matches no parameter of \(model)."
        case .unknownParameter(let name, let model):
            "\(model) has no parameter named '\(name)' to train rows of."
        case .rowOutOfRange(let name, let row, let rows):
            "Row \(row) of '\(name)' cannot train: the parameter has \(rows) rows."
        case .rowsOfNonMatrix(let name, let shape):
            "Rows of '\(name)' cannot be selected: it has shape \(shape), not a matrix."
        case .emptySelection(let model):
            "The parameter selection for \(model) trains nothing."
        case .mappedWeights(let model):
            "The weights of \(model) are mapped read-only from its files and cannot be trained; load them into an arena (WeightLoading.arena)."
        }
    }
}
