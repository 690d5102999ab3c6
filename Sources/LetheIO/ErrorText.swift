/// Quoting user input in error messages without echoing all of it: a 1 MB prompt, a 200 KB YAML file or a list
/// of 494 tensor names would bury the one line that says what is wrong.
public enum ErrorText {
    /// The characters an error quotes of one value before cutting it.
    public static let defaultLimit = 200

    /// `text` cut to `limit` characters, saying how much was left out.
    public static func capped(_ text: String, _ limit: Int = defaultLimit) -> String {
        guard text.count > limit else { return text }
        return "\(text.prefix(limit))… (\(text.count - limit) more characters)"
    }

    /// The first `limit` items joined with ", ", saying how many were left out.
    public static func list(_ items: [String], limit: Int = 10) -> String {
        let shown = items.prefix(limit).map { capped($0, 80) }.joined(separator: ", ")
        return items.count > limit ? "\(shown), … (\(items.count - limit) more)" : shown
    }
}
