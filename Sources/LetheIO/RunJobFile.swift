import Yams

/// The job file of `lethe run`: one model, one output folder and many erasures, each with its method and that
/// method's own options (the keys of the subcommand's `--config` file):
///
///     model: sd-v1-4                # optional; the world's model that ships with Lethe
///     output: erased
///     group_size: 2                 # optional; --group-size wins
///     defaults: {tokenizer: fast}   # optional; every erasure's keys, its own keys win
///     erasures:
///       - method: uce
///         name: van-gogh            # optional; the output is OUTPUT/<name>/
///         concept: [Van Gogh]
///         guide: art
///       - method: fmn
///         concept: Elon Musk
///         generate_images: 8
///
/// or, one method for every line of a concepts file (`concepts_file:`, `method:`, optional `concepts_per_erasure:`
/// and `defaults:`). This type only reads and checks the YAML; the command line turns each erasure into its
/// subcommand's flags and checks those.
public struct RunJobFile: Sendable {
    /// One erasure as the file gives it.
    public struct Erasure: Sendable {
        public var method: String
        public var name: String?
        /// The subcommand's options, in file order (without `method` and `name`).
        public var options: [(key: String, value: JobConfigFile.Value)]
    }

    /// nil: the world's model that ships with Lethe.
    public var model: String?
    public var output: String
    public var groupSize: Int?
    /// Options of every erasure (an erasure's own keys win).
    public var defaults: [(key: String, value: JobConfigFile.Value)] = []
    /// The `erasures:` list; empty with a concepts file.
    public var erasures: [Erasure] = []
    /// `concepts_file:`: one concept per line, erased with `method`.
    public var conceptsFile: String?
    public var method: String?
    /// With a concepts file: how many concepts one erasure edits at once (1: one erasure per concept).
    public var conceptsPerErasure = 1

    static let topLevelKeys = ["model", "output", "group_size", "defaults", "erasures", "concepts_file", "method",
                               "concepts_per_erasure"]

    /// Reads and parses the job file at `path`.
    public static func read(_ path: String) throws(JobConfigError) -> RunJobFile {
        let text: String
        do {
            text = try InputFile.text(path, limit: JobConfigFile.maximumSize)
        } catch {
            throw JobConfigError(path: path, problem: "it cannot be read: \(error.message)")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(JobConfigError) -> RunJobFile {
        func problem(_ text: String) -> JobConfigError { JobConfigError(path: path, problem: text) }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw problem("it is not valid YAML: \(ErrorText.capped("\(error)"))")
        }
        guard let mapping = node?.mapping else {
            throw problem("it must be a mapping with model:, output: and erasures: (or concepts_file: and method:)")
        }
        var scalars: [String: String] = [:]
        var defaults: [(key: String, value: JobConfigFile.Value)] = []
        var erasures: [Erasure]?
        for (keyNode, valueNode) in mapping {
            let key = try JobConfigFile.name(of: keyNode, path: path)
            let canonical = key.replacingOccurrences(of: "-", with: "_")
            guard topLevelKeys.contains(canonical) else {
                throw problem("unknown key '\(ErrorText.capped(key, 80))' (a job file has \(topLevelKeys.joined(separator: ", ")); an erasure's options go under erasures: or defaults:)")
            }
            guard scalars[canonical] == nil, canonical != "defaults" || defaults.isEmpty,
                  canonical != "erasures" || erasures == nil else {
                throw problem("the key '\(ErrorText.capped(key, 80))' appears twice")
            }
            switch canonical {
            case "defaults":
                guard let options = valueNode.mapping else { throw problem("'defaults' must be a mapping of option names to values") }
                defaults = try JobConfigFile.options(of: options, path: path, context: "defaults: ")
            case "erasures":
                guard let list = valueNode.sequence else { throw problem("'erasures' must be a list of erasures, each a mapping with method:") }
                erasures = try list.enumerated().map { (index, item) throws(JobConfigError) in
                    try erasure(item, number: index + 1, path: path)
                }
            default:
                guard case .scalar(let text) = try JobConfigFile.value(of: valueNode, key: key, path: path) else {
                    throw problem("'\(key)' takes one value, not a list")
                }
                scalars[canonical] = text
            }
        }
        let model = scalars["model"]
        guard let output = scalars["output"] else { throw problem("it names no output folder (output:)") }
        var job = RunJobFile(model: model, output: output)
        job.defaults = defaults
        if let text = scalars["group_size"] {
            guard let size = Int(text), size >= 1 else { throw problem("group_size is '\(ErrorText.capped(text, 80))'; it must be a whole number of ranks, at least 1") }
            job.groupSize = size
        }
        switch (erasures, scalars["concepts_file"]) {
        case (nil, nil):
            throw problem("it lists no erasures (erasures: a list, or concepts_file: with method:)")
        case (.some, .some):
            throw problem("give erasures: or concepts_file:, not both")
        case (let list?, nil):
            guard !list.isEmpty else { throw problem("erasures: is empty") }
            for key in ["method", "concepts_per_erasure"] where scalars[key] != nil {
                throw problem("'\(key)' at the top applies to concepts_file:; each erasure of the list names its own method")
            }
            job.erasures = list
        case (nil, let file?):
            guard let method = scalars["method"] else { throw problem("concepts_file: needs method: (the method erasing every concept)") }
            job.conceptsFile = file
            job.method = method
            if let text = scalars["concepts_per_erasure"] {
                guard let count = Int(text), count >= 1 else {
                    throw problem("concepts_per_erasure is '\(ErrorText.capped(text, 80))'; it must be a whole number, at least 1")
                }
                job.conceptsPerErasure = count
            }
        }
        return job
    }

    private static func erasure(_ node: Node, number: Int, path: String) throws(JobConfigError) -> Erasure {
        let context = "erasure \(number): "
        guard let mapping = node.mapping else {
            throw JobConfigError(path: path, problem: "\(context)it must be a mapping with method: and that method's options")
        }
        var method: String?
        var name: String?
        var options: [(key: String, value: JobConfigFile.Value)] = []
        for (key, value) in try JobConfigFile.options(of: mapping, path: path, context: context) {
            switch (key, value) {
            case ("method", .scalar(let text)): method = text
            case ("name", .scalar(let text)): name = text
            case ("method", .list), ("name", .list):
                throw JobConfigError(path: path, problem: "\(context)'\(key)' takes one value, not a list")
            default: options.append((key, value))
            }
        }
        guard let method else {
            throw JobConfigError(path: path, problem: "\(context)it has no method: (uce, rece, invert or fmn)")
        }
        return Erasure(method: method, name: name, options: options)
    }
}
