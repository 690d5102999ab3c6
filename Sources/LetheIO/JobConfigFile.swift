import LetheTensor
import Yams

/// A YAML job file (`--config FILE`): a top-level mapping of option names to a plain value or a list of plain
/// values, in file order. The command line turns it into flags; this type only reads and checks the YAML, so the
/// parser can be tested (and fuzzed) without the command line.
public enum JobConfigFile {
    /// One option's value as the file gives it: a scalar's text, or a list of scalar texts.
    public enum Value: Equatable, Sendable {
        case scalar(String)
        case list([String])
    }

    /// The most bytes a job file may have: a job is a few dozen lines; anything near this is not a job file.
    public static let maximumSize = 1 << 20

    /// Reads and parses the job file at `path` (a regular file, never blocking on a FIFO or device).
    public static func read(_ path: String) throws(JobConfigError) -> [(key: String, value: Value)] {
        let text: String
        do {
            text = try InputFile.text(path, limit: maximumSize)
        } catch {
            throw JobConfigError(path: path, problem: "it cannot be read: \(error.message)")
        }
        return try parse(text, path: path)
    }

    /// Parses a job file's text; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws(JobConfigError) -> [(key: String, value: Value)] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw JobConfigError(path: path, problem: "it is not valid YAML: \(ErrorText.capped("\(error)"))")
        }
        guard let node else { return [] }
        guard let mapping = node.mapping else {
            throw JobConfigError(path: path, problem: "it must be a mapping of option names to values (e.g. 'steps: 35')")
        }
        return try options(of: mapping, path: path)
    }

    /// A mapping of option names to values, in file order; `context` ("erasure 3: ") starts each problem.
    static func options(of mapping: Node.Mapping, path: String, context: String = "") throws(JobConfigError)
        -> [(key: String, value: Value)] {
        var entries: [(key: String, value: Value)] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            let key = try name(of: keyNode, path: path, context: context)
            let canonical = key.replacingOccurrences(of: "_", with: "-")
            guard seen.insert(canonical).inserted else {
                throw JobConfigError(path: path, problem: "\(context)the key '\(ErrorText.capped(key, 80))' appears twice")
            }
            entries.append((key, try value(of: valueNode, key: context + key, path: path)))
        }
        return entries
    }

    /// A mapping key's text: a plain, non-empty name.
    static func name(of keyNode: Node, path: String, context: String = "") throws(JobConfigError) -> String {
        guard let key = keyNode.scalar?.string, !isNull(keyNode), !key.isEmpty else {
            throw JobConfigError(path: path, problem: "\(context)it has a key that is not a plain name")
        }
        return key
    }

    static func value(of node: Node, key: String, path: String) throws(JobConfigError) -> Value {
        let shownKey = ErrorText.capped(key, 80)
        switch node {
        case .scalar(let scalar):
            // A bare `concept:` or `concept: null` is YAML's null, not the word "null": never a value to pass on.
            if isNull(node) {
                throw JobConfigError(path: path, problem: "'\(shownKey)' has no value (YAML null); give a value or remove the key")
            }
            return .scalar(scalar.string)
        case .sequence(let sequence):
            var items: [String] = []
            for item in sequence {
                guard let text = item.scalar?.string else {
                    throw JobConfigError(path: path, problem: "'\(shownKey)' must be a list of plain values")
                }
                if isNull(item) {
                    throw JobConfigError(path: path, problem: "'\(shownKey)' has an empty (null) item")
                }
                items.append(text)
            }
            return .list(items)
        default:
            throw JobConfigError(path: path, problem: "'\(shownKey)' must be a value or a list, not a mapping")
        }
    }

    /// Whether a node is YAML's null (`~`, `null`, `Null`, `NULL` or nothing, unquoted).
    static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar else { return false }
        if scalar.tag == Tag(.null) { return true }
        guard scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}

/// A job file that cannot be used: which file, and what is wrong with it.
public struct JobConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(Setting.config) '\(path)': \(problem)" }
}
