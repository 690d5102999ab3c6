import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheIO

/// What `lethe run` will do, worked out the same way on every rank from the job file alone: each erasure's name,
/// its subcommand's arguments (parsed and checked by that subcommand's own parser before any work starts, so a
/// typo in the last erasure does not wait hours to be reported), and which group of ranks runs it.
struct RunPlan {
    struct Erasure {
        let index: Int
        let name: String
        let method: String
        /// The subcommand and its arguments: `lethe ARGUMENTS` runs the same erasure on its own.
        let arguments: [String]
        let command: any ErasureCommand
        /// SHA-256 of the arguments: a finished erasure is skipped only when it ran with these.
        let fingerprint: String
    }

    /// An erasure as the job file gives it (a concepts file's lines made into erasures).
    typealias Entry = (name: String?, method: String, options: [(key: String, value: JobConfigFile.Value)])

    static let methods = ["uce", "rece", "invert", "fmn"]
    /// Options `lethe run` sets for every erasure; a job file may not give them.
    static let reservedKeys: Set<String> = ["model", "output", "overwrite", "config", "report"]
    /// Options of the whole run: given to `lethe run` itself, one watchdog and one trace for every erasure.
    static let runKeys: Set<String> = ["watchdog_seconds", "trace"]
    /// Names an erasure may not take: they are the run's own files in the output folder.
    static let reservedNames: Set<String> = ["checkpoints", "summary.json", ".run"]

    let jobPath: String
    let model: String
    let output: String
    let erasures: [Erasure]

    init(jobPath: String) throws {
        let job = try RunJobFile.read(jobPath)
        self.jobPath = jobPath
        guard let model = job.model ?? ModelOption.bundledPath else { throw ModelOption.missingDefault }
        self.model = model
        output = job.output
        var entries: [Entry]
        if let file = job.conceptsFile, let method = job.method {
            entries = try Self.conceptEntries(file: file, method: method, perErasure: job.conceptsPerErasure, jobPath: jobPath)
        } else {
            entries = job.erasures.map { ($0.name, $0.method, $0.options) }
        }
        // Names given in the file first, so a default name never takes one of them.
        var names: Set<String> = []
        for (index, entry) in entries.enumerated() {
            guard let given = entry.name else { continue }
            let context = "--config '\(jobPath)': erasure \(index + 1)"
            guard Self.isValidName(given) else {
                throw ValidationError("\(context): name '\(ErrorText.capped(given, 80))' must be letters, digits, '.', '_' or '-' (not starting with '.' or '-'), at most 100 characters, and not \(Self.reservedNames.sorted().joined(separator: ", "))")
            }
            guard names.insert(given).inserted else { throw ValidationError("\(context): the name '\(given)' is used twice") }
        }
        var erasures: [Erasure] = []
        for (index, entry) in entries.enumerated() {
            let context = "--config '\(jobPath)': erasure \(index + 1)"
            guard Self.methods.contains(entry.method) else {
                throw ValidationError("\(context): unknown method '\(ErrorText.capped(entry.method, 80))' (give uce, rece, invert or fmn)")
            }
            // The erasure's own keys win over `defaults:`, whose keys apply to the methods that have the option.
            let own = Set(entry.options.map { Self.canonical($0.key) })
            let shapes = try ConfigArguments.optionShapes(of: [entry.method], root: Lethe.self)
            let options = job.defaults.filter {
                !own.contains(Self.canonical($0.key)) && shapes["--" + Self.canonical($0.key)] != nil
            } + entry.options
            let name: String
            if let given = entry.name {
                name = given
            } else {
                let concept = options.first { ["concept", "token"].contains(Self.canonical($0.key)) }.map { option in
                    switch option.value {
                    case .scalar(let text): text
                    case .list(let items): items.first ?? ""
                    }
                }
                name = Self.uniqueName(Self.slug(entry.method + "-" + (concept ?? "\(index + 1)")), taken: names)
                names.insert(name)
            }
            erasures.append(try Self.erasure(index: index, name: name, method: entry.method, options: options,
                                             model: model, output: output, jobPath: jobPath, context: "\(context) ('\(name)')"))
        }
        for (key, _) in job.defaults {
            let methods = Set(entries.map(\.method))
            guard try methods.contains(where: { try ConfigArguments.optionShapes(of: [$0], root: Lethe.self)["--" + Self.canonical(key)] != nil }) else {
                throw ValidationError("--config '\(jobPath)': defaults: '\(ErrorText.capped(key, 80))' is an option of none of this job's methods (\(methods.sorted().joined(separator: ", ")))")
            }
        }
        self.erasures = erasures
    }

    /// The folder (or, for invert, the file) an erasure writes.
    static func outputPath(name: String, method: String, output: String) -> String {
        let folder = (output as NSString).appendingPathComponent(name)
        return method == "invert" ? (folder as NSString).appendingPathComponent("learned_embeds.safetensors") : folder
    }

    /// Where a trained erasure checkpoints unless its options name a folder.
    static func checkpointFolder(name: String, output: String) -> String {
        ((output as NSString).appendingPathComponent("checkpoints") as NSString).appendingPathComponent(name)
    }

    private static func erasure(
        index: Int, name: String, method: String, options: [(key: String, value: JobConfigFile.Value)],
        model: String, output: String, jobPath: String, context: String
    ) throws -> Erasure {
        let shapes = try ConfigArguments.optionShapes(of: [method], root: Lethe.self)
        var arguments = [method, "--model", model, "--output", outputPath(name: name, method: method, output: output),
                         // Only what Lethe wrote is replaced: an output a killed run left half-done, or a finished
                         // one whose settings changed.
                         "--overwrite", "--config=\(jobPath)"]
        let keys = Set(options.map { canonical($0.key) })
        if ["fmn", "invert"].contains(method), !keys.contains("checkpoint-dir") {
            arguments += ["--checkpoint-dir", checkpointFolder(name: name, output: output)]
        }
        for (key, value) in options {
            let flag = "--" + canonical(key)
            let snake = canonical(key).replacingOccurrences(of: "-", with: "_")
            guard !reservedKeys.contains(snake) else {
                throw ValidationError("\(context): '\(key)' is set by lethe run (model: and output: at the top of the job file name the model and the output folder)")
            }
            guard !runKeys.contains(snake) else {
                throw ValidationError("\(context): '\(key)' applies to the whole run: give --\(canonical(key)) to lethe run")
            }
            guard let shape = shapes[flag] else {
                throw ValidationError("\(context): unknown key '\(ErrorText.capped(key, 80))': 'lethe \(method)' has no option \(ErrorText.capped(flag, 80)) (see 'lethe \(method) --help')")
            }
            arguments += try ConfigArguments.flags(flag, value, shape: shape, key: key, path: jobPath)
        }
        let parsed: ParsableCommand
        do {
            parsed = try Lethe.parseAsRoot(arguments)
        } catch {
            throw ValidationError("\(context): \(Lethe.message(for: error))")
        }
        guard let command = parsed as? any ErasureCommand else {
            throw ValidationError("\(context): '\(method)' is not an erasure")
        }
        do {
            try command.checkSettings()
        } catch {
            throw ValidationError("\(context): \(Lethe.message(for: error))")
        }
        return Erasure(index: index, name: name, method: method, arguments: arguments, command: command,
                       fingerprint: CheckpointIdentity.hash(settings: ["arguments": arguments.joined(separator: "\u{0}")]))
    }

    /// One erasure per `perErasure` lines of a concepts file (blank lines and `#` comments skipped).
    private static func conceptEntries(file: String, method: String, perErasure: Int, jobPath: String) throws -> [Entry] {
        let context = "--config '\(jobPath)': concepts_file '\(file)'"
        let concepts: [String]
        do {
            concepts = try InputFile.nonEmptyLines(file).filter { !$0.hasPrefix("#") }
        } catch {
            throw ValidationError("\(context) cannot be read: \(error.message)")
        }
        guard !concepts.isEmpty else { throw ValidationError("\(context) lists no concepts") }
        guard ["uce", "rece", "fmn"].contains(method) else {
            throw ValidationError("--config '\(jobPath)': concepts_file: works with uce, rece and fmn, not '\(ErrorText.capped(method, 80))' (invert needs images per token: list it under erasures:)")
        }
        guard method != "fmn" || perErasure == 1 else {
            throw ValidationError("--config '\(jobPath)': concepts_per_erasure is \(perErasure), but fmn erases one concept at a time")
        }
        var entries: [Entry] = []
        var names: Set<String> = []
        for start in stride(from: 0, to: concepts.count, by: perErasure) {
            let batch = Array(concepts[start..<min(start + perErasure, concepts.count)])
            let name = uniqueName(slug(batch.count == 1 ? batch[0] : "\(batch[0]) and \(batch.count - 1) more"), taken: names)
            names.insert(name)
            // uce and rece take a list of concepts (one edit for the batch), fmn one concept.
            entries.append((name, method, [("concept", method == "fmn" ? .scalar(batch[0]) : .list(batch))]))
        }
        return entries
    }

    private static func canonical(_ key: String) -> String { key.replacingOccurrences(of: "_", with: "-") }

    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 100, !reservedNames.contains(name),
              let first = name.unicodeScalars.first, first != ".", first != "-" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// A folder name from free text: lower-case ASCII letters and digits joined by '-', at most 60 characters.
    static func slug(_ text: String) -> String {
        var slug = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty, !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        slug = String(slug.prefix(60))
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty || reservedNames.contains(slug) ? "erasure" + (slug.isEmpty ? "" : "-" + slug) : slug
    }

    static func uniqueName(_ base: String, taken: Set<String>) -> String {
        guard taken.contains(base) else { return base }
        var number = 2
        while taken.contains("\(base)-\(number)") { number += 1 }
        return "\(base)-\(number)"
    }
}
