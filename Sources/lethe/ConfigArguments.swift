import ArgumentParser
import Foundation
import Yams

/// `--config FILE`: a YAML mapping of a subcommand's options (`steps: 35`, `concept: [nudity]`, `use_pooler: true`)
/// turned into command-line flags before parsing, so a job file and the flags share one definition and one set
/// of checks. Flags given on the command line win: a key the command line also names is dropped from the file.
enum ConfigArguments {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `arguments` (without the program name) with `--config FILE` replaced by the file's options.
    static func expand(_ arguments: [String]) throws -> [String] {
        guard let index = arguments.firstIndex(where: { $0 == "--config" || $0.hasPrefix("--config=") }) else {
            return arguments
        }
        let path: String
        var consumed = 1
        if arguments[index].hasPrefix("--config=") {
            path = String(arguments[index].dropFirst("--config=".count))
        } else {
            guard index + 1 < arguments.count else { throw Failure(description: "--config needs a YAML file") }
            path = arguments[index + 1]
            consumed = 2
        }
        let given = Set(arguments.compactMap(optionName))
        var expanded = Array(arguments[..<index])
        for (key, value) in try load(path) {
            let flag = "--" + key.replacingOccurrences(of: "_", with: "-")
            if given.contains(flag) { continue }
            expanded += try flags(flag, value, path: path)
        }
        expanded += arguments[(index + consumed)...]
        return expanded
    }

    /// The file's top-level mapping, keys in file order.
    static func load(_ path: String) throws -> [(String, Any)] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Failure(description: "--config: cannot read '\(path)': \(error.localizedDescription)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw Failure(description: "--config: '\(path)' is not valid YAML: \(error)")
        }
        guard let mapping = node?.mapping else {
            throw Failure(description: "--config: '\(path)' must be a mapping of option names to values (e.g. 'steps: 35')")
        }
        return try mapping.map { key, value in
            guard let name = key.string else {
                throw Failure(description: "--config: '\(path)' has a key that is not a string")
            }
            return (name, try plain(value, key: name, path: path))
        }
    }

    /// A scalar as its YAML text, a sequence as [String]; nested mappings are not options.
    private static func plain(_ node: Node, key: String, path: String) throws -> Any {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .sequence(let sequence):
            return try sequence.map { item -> String in
                guard let text = item.scalar?.string else {
                    throw Failure(description: "--config: '\(path)': '\(key)' must be a list of plain values")
                }
                return text
            }
        default:
            throw Failure(description: "--config: '\(path)': '\(key)' must be a value or a list, not a mapping")
        }
    }

    private static func flags(_ flag: String, _ value: Any, path: String) throws -> [String] {
        if let list = value as? [String] { return list.map { "\(flag)=\($0)" } }
        let text = value as? String ?? ""
        switch text {
        case "true", "True", "yes": return [flag]
        case "false", "False", "no": return []
        default: return ["\(flag)=\(text)"]
        }
    }

    /// `--name` of an option argument (`--name` or `--name=value`), nil for values and the subcommand.
    private static func optionName(_ argument: String) -> String? {
        guard argument.hasPrefix("--") else { return nil }
        return String(argument.split(separator: "=", maxSplits: 1)[0])
    }
}

/// `--config` as the subcommands' help shows it; the option itself is replaced by the file's options before
/// parsing (`ConfigArguments.expand`), so this value is never set.
struct ConfigOption: ParsableArguments {
    @Option(help: "A YAML job file of this command's options (see Configs/); flags given here win over the file.")
    var config: String?
}
