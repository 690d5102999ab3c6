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
}
