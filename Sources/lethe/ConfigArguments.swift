import ArgumentParser
import Foundation
import LetheIO

/// `--config FILE`: a YAML mapping of a subcommand's options (`steps: 35`, `concept: [nudity]`, `use_pooler: true`)
/// turned into command-line flags before parsing, so a job file and the flags share one definition and one set
/// of checks. Flags given on the command line win: a key the command line also names is dropped from the file.
///
/// Every key is checked against the subcommand's own options first: an unknown key, a list for an option that
/// takes one value, a value for an on/off flag or YAML null is an error naming the file and the key (passing them
/// on would let the parser keep the last of a list silently, or erase the word "null").
enum ConfigArguments {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// What the parser knows of one option: whether it is an on/off flag, and whether it takes many values.
    struct OptionShape {
        let isFlag: Bool
        let isRepeating: Bool
    }

    /// `arguments` (without the program name) with `--config FILE` replaced by the file's options.
    static func expand(_ arguments: [String], root: ParsableCommand.Type = Lethe.self) throws -> [String] {
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
        let subcommands = Array(arguments.prefix { !$0.hasPrefix("-") })
        // `lethe run --config JOB` reads its job file itself: it lists many erasures, not one command's options.
        if subcommands == [Run._commandName] { return arguments }
        let options = try optionShapes(of: subcommands, root: root)
        let given = Set(arguments.compactMap(optionName))
        var expanded = Array(arguments[..<index])
        for (key, value) in try JobConfigFile.read(path) {
            let flag = "--" + key.replacingOccurrences(of: "_", with: "-")
            let shownKey = ErrorText.capped(key, 80)
            guard flag != "--config", let shape = options[flag] else {
                let command = (["lethe"] + subcommands).joined(separator: " ")
                throw Failure(description: "--config '\(path)': unknown key '\(shownKey)': '\(command)' has no option \(ErrorText.capped(flag, 80)) (see '\(command) --help')")
            }
            // Checked even when the command line overrides the key: the file itself must be right.
            let fileFlags = try flags(flag, value, shape: shape, key: shownKey, path: path)
            if !given.contains(flag) { expanded += fileFlags }
        }
        // Commands that declare --config keep it, so they can count the job file among their inputs (an output
        // may never overwrite it).
        if options["--config"] != nil { expanded.append("--config=\(path)") }
        expanded += arguments[(index + consumed)...]
        return expanded
    }

    static func flags(
        _ flag: String, _ value: JobConfigFile.Value, shape: OptionShape, key: String, path: String
    ) throws -> [String] {
        switch value {
        case .list(let items):
            guard shape.isRepeating, !shape.isFlag else {
                throw Failure(description: "--config '\(path)': '\(key)' takes one value, but the file gives a list of \(items.count)")
            }
            return items.map { "\(flag)=\($0)" }
        case .scalar(let text):
            guard shape.isFlag else { return ["\(flag)=\(text)"] }
            switch text {
            case "true", "True", "TRUE", "yes", "Yes", "on": return [flag]
            case "false", "False", "FALSE", "no", "No", "off": return []
            default:
                throw Failure(description: "--config '\(path)': '\(key)' is an on/off flag; give true or false, not '\(ErrorText.capped(text, 80))'")
            }
        }
    }

    /// The long options of the subcommand `path` (e.g. ["bench", "unet"]), from the parser's own description.
    static func optionShapes(of path: [String], root: ParsableCommand.Type) throws -> [String: OptionShape] {
        guard let data = root._dumpHelp().data(using: .utf8),
              let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              var command = top["command"] as? [String: Any] else {
            throw Failure(description: "--config: the command line's option list cannot be read")
        }
        for name in path {
            let children = command["subcommands"] as? [[String: Any]] ?? []
            guard let child = children.first(where: { $0["commandName"] as? String == name }) else {
                throw Failure(description: "--config: '\(ErrorText.capped(name, 80))' is not a lethe subcommand")
            }
            command = child
        }
        var shapes: [String: OptionShape] = [:]
        for argument in command["arguments"] as? [[String: Any]] ?? [] {
            let kind = argument["kind"] as? String
            guard kind == "option" || kind == "flag" else { continue }
            let shape = OptionShape(isFlag: kind == "flag", isRepeating: argument["isRepeating"] as? Bool ?? false)
            for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
                if let long = name["name"] as? String { shapes["--" + long] = shape }
            }
        }
        return shapes
    }

    /// `--name` of an option argument (`--name` or `--name=value`), nil for values and the subcommand.
    private static func optionName(_ argument: String) -> String? {
        guard argument.hasPrefix("--") else { return nil }
        return String(argument.split(separator: "=", maxSplits: 1)[0])
    }
}

/// `--config` as the subcommands' help shows it; the option itself is replaced by the file's options before
/// parsing (`ConfigArguments.expand`) and passed on, so this value names the job file (an input of the command).
struct ConfigOption: ParsableArguments {
    @Option(help: "A YAML job file of this command's options (see Configs/); flags given here win over the file.")
    var config: String?

    /// The job file as an input that no output may overwrite.
    var inputs: [OutputGuard.Input] { config.map { [OutputGuard.Input($0, role: "--config file")] } ?? [] }
}
