/// Which parameters of a model train: whole tensors chosen by name pattern, and chosen rows of matrices (the new
/// token rows of the token embedding, for textual inversion). Everything else is frozen: it gets no gradient buffer
/// and no weight-gradient work.
public struct ParameterSelection: Sendable {
    /// Whole parameters whose names match any of these.
    public var patterns: [NamePattern]
    /// Exact parameter name → the rows of it that train (the parameter must be at least 2-D).
    public var rows: [String: [Int]]

    public init(patterns: [NamePattern] = [], rows: [String: [Int]] = [:]) {
        self.patterns = patterns
        self.rows = rows
    }

    /// Parameters matching any of the patterns (`["attn2"]`, `["attn2.to_k", "attn2.to_v"]`, `["all"]`).
    public init(_ patterns: [String]) {
        self.init(patterns: patterns.map(NamePattern.init))
    }

    public static let all = ParameterSelection(["all"])
    public static let none = ParameterSelection()

    /// Whether the whole parameter `name` trains.
    public func selectsWhole(_ name: String) -> Bool {
        patterns.contains { $0.matches(name) }
    }

    /// Checks the selection against a model's parameter layout (a planned store's is enough, so a bad selection
    /// fails before any weights are loaded): every pattern must match a parameter, and selected rows must exist.
    public func validate(against layout: [(name: String, shape: [Int])], modelName: String) throws(TrainingError) {
        for pattern in patterns where !layout.contains(where: { pattern.matches($0.name) }) {
            throw .patternMatchesNothing(pattern: pattern.text, model: modelName)
        }
        for (name, rows) in rows.sorted(by: { $0.key < $1.key }) {
            guard let shape = layout.first(where: { $0.name == name })?.shape else {
                throw .unknownParameter(name: name, model: modelName)
            }
            guard shape.count >= 2 else { throw .rowsOfNonMatrix(name: name, shape: shape) }
            if let bad = rows.first(where: { $0 < 0 || $0 >= shape[0] }) {
                throw .rowOutOfRange(name: name, row: bad, rows: shape[0])
            }
        }
    }
}
