import Foundation
import LetheTelemetry
import LetheTensor

/// What an output command writes, and so what an existing output may be for `--overwrite` to replace it.
public enum OutputKind: Sendable, Equatable {
    /// A diffusers model folder Lethe wrote: model_index.json beside the report Lethe puts in every erased folder.
    case modelFolder(marker: String)
    /// A learned-embeddings file (`learned_embeds.safetensors`): a safetensors file of one [hidden] or
    /// [vectors, hidden] tensor.
    case learnedEmbeddings
    /// A generated image: a PNG file, or a NumPy `.npy` array.
    case image
    /// A report Lethe wrote (`erasure-report.json` and the like): a JSON object with a "method".
    case report
    /// A Chrome trace Lethe wrote (`--trace`): a file that starts as `ChromeTrace` starts its documents.
    case trace
    /// A captioned image set Lethe wrote (`lethe world data`): a folder with `metadata.jsonl`.
    case dataset
    /// A judge Lethe trained (`lethe world train-judge`): a folder with `config.json` and `model.safetensors`.
    case judge

    var noun: String {
        switch self {
        case .modelFolder: "a model folder Lethe wrote"
        case .learnedEmbeddings: "a learned-embeddings file"
        case .image: "a PNG or .npy image"
        case .report: "a report Lethe wrote (a JSON object with a \"method\")"
        case .trace: "a trace Lethe wrote (a file starting {\"traceEvents\":[)"
        case .dataset: "a dataset folder Lethe wrote (with metadata.jsonl)"
        case .judge: "a judge folder Lethe wrote (with config.json and model.safetensors)"
        }
    }
}

/// Why an output may not be written; every case names the output and what is in the way.
public enum OutputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The output is, contains or lies inside an input.
    case overlapsInput(output: String, input: String, role: String, relation: String)
    /// The output exists and `--overwrite` was not given (`canOverwrite`: the command has that flag).
    case exists(path: String, canOverwrite: Bool)
    /// The output exists but is not what this command writes, so `--overwrite` does not replace it.
    case notReplaceable(path: String, expected: String, found: String)
    /// The output cannot be created: a parent is not a folder, or the file system refuses to write there.
    case notWritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .overlapsInput(output, input, role, relation):
            return "Refusing to write '\(output)': it \(relation) the \(role) '\(input)'. Choose an output outside every input."
        case let .exists(path, canOverwrite):
            return "Output '\(path)' already exists; remove it\(canOverwrite ? ", pass \(Setting.overwrite)," : "") or choose another output."
        case let .notReplaceable(path, expected, found):
            return "Refusing to overwrite '\(path)': \(Setting.overwrite) replaces only \(expected), and this is \(found). Remove it yourself or choose another output."
        case let .notWritable(path, reason):
            var text = reason
            while text.hasSuffix(".") { text.removeLast() }
            return "Cannot write '\(path)': \(text)."
        }
    }
}

/// The one check every output command makes before its work starts: the output is resolved (symlinks and `..`),
/// may not be, contain or lie inside any input, may replace only something of its own kind that Lethe wrote (and
/// only with `--overwrite`), and its folder must be writable. Returns the resolved path, which the command then
/// writes, so the check and the write agree on where the output is.
public enum OutputGuard {
    /// An input of the command: `role` names it in errors ("model", "image folder", "--config file").
    public struct Input: Sendable {
        public let path: String
        public let role: String
        public init(_ path: String, role: String) {
            self.path = path
            self.role = role
        }
    }

    @discardableResult
    public static func check(
        output: String, kind: OutputKind, inputs: [Input], overwrite: Bool, canOverwrite: Bool = true
    ) throws(OutputError) -> String {
        let resolved = ResolvedPath.resolve(output)
        for input in inputs {
            let inputPath = ResolvedPath.resolve(input.path)
            let relation: String? = if inputPath == resolved {
                "is"
            } else if ResolvedPath.isInside(inputPath, resolved) {
                "contains"
            } else if ResolvedPath.isInside(resolved, inputPath) {
                "lies inside"
            } else {
                nil
            }
            if let relation {
                throw .overlapsInput(output: output, input: input.path, role: input.role, relation: relation)
            }
        }
        var status = stat()
        if lstat(resolved, &status) == 0 {
            guard overwrite else { throw .exists(path: output, canOverwrite: canOverwrite) }
            if let found = mismatch(resolved, status: status, kind: kind) {
                throw .notReplaceable(path: output, expected: kind.noun, found: found)
            }
        }
        try checkWritable(resolved, shown: output)
        return resolved
    }

    /// What the existing `path` is when it is not of `kind`, nil when `--overwrite` may replace it.
    static func mismatch(_ path: String, status: stat, kind: OutputKind) -> String? {
        let type = status.st_mode & S_IFMT
        switch kind {
        case .modelFolder(let marker):
            guard type == S_IFDIR else { return describe(type) }
            for name in ["model_index.json", marker] where !isRegularFile(path + "/" + name) {
                return "a folder without \(name)"
            }
            return nil
        case .learnedEmbeddings:
            guard type == S_IFREG else { return describe(type) }
            guard let file = try? SafeTensorsFile.open(URL(fileURLWithPath: path)) else { return "not a safetensors file" }
            let names = file.tensorNames
            let isEmbedding = (names.count == 1 || names.contains("emb_params"))
                && names.allSatisfy { (file.info(named: $0)?.shape.count ?? 3) <= 2 }
            return isEmbedding ? nil : "a safetensors file of \(names.count) tensors (model weights?)"
        case .image:
            guard type == S_IFREG else { return describe(type) }
            guard let head = try? InputFile.prefix(path, count: 8) else { return "an unreadable file" }
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            let npy: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
            if Array(head) == png || Array(head.prefix(6)) == npy { return nil }
            return "a file that is neither PNG nor .npy"
        case .report:
            guard type == S_IFREG else { return describe(type) }
            guard let bytes = try? InputFile.read(path, limit: 64 << 20),
                  let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                  object["method"] is String else { return "not a JSON object with a \"method\"" }
            return nil
        case .trace:
            guard type == S_IFREG else { return describe(type) }
            guard let head = try? InputFile.prefix(path, count: 32), ChromeTrace.isTrace(prefix: head) else {
                return "a file that is not a trace Lethe wrote"
            }
            return nil
        case .dataset:
            guard type == S_IFDIR else { return describe(type) }
            return isRegularFile(path + "/metadata.jsonl") ? nil : "a folder without metadata.jsonl"
        case .judge:
            guard type == S_IFDIR else { return describe(type) }
            for name in ["config.json", "model.safetensors"] where !isRegularFile(path + "/" + name) {
                return "a folder without \(name)"
            }
            return nil
        }
    }

    private static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: "a folder"
        case S_IFREG: "a regular file"
        case S_IFLNK: "a symbolic link"
        default: POSIXFile.nonRegularKind(type) ?? "not a file"
        }
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// The deepest existing folder above `path` must be a folder the process can create entries in; checked by
    /// creating and removing a hidden folder there (permission bits say nothing to root or on read-only mounts).
    static func checkWritable(_ path: String, shown: String) throws(OutputError) {
        var ancestor = ResolvedPath.parent(of: path)
        var status = stat()
        while stat(ancestor, &status) != 0 {
            let code = errno
            guard code == ENOENT else {
                throw .notWritable(path: shown, reason: "'\(ancestor)': \(String(cString: strerror(code)))")
            }
            ancestor = ResolvedPath.parent(of: ancestor)
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw .notWritable(path: shown, reason: "'\(ancestor)' is not a folder")
        }
        // The process ID and a random part: threads (or test cases) checking the same folder never collide.
        let probe = ancestor + (ancestor.hasSuffix("/") ? "" : "/")
            + ".lethe-write-check-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        guard mkdir(probe, 0o700) == 0 else {
            let code = errno
            throw .notWritable(path: shown, reason: "the folder '\(ancestor)' refuses new entries: \(String(cString: strerror(code)))")
        }
        _ = rmdir(probe)
    }
}

/// Absolute paths with symbolic links and `..` resolved as the system will when the path is written: the part that
/// exists is resolved by `realpath`; the rest (not yet created, so no links) is appended with `.`/`..` applied.
public enum ResolvedPath {
    public static func resolve(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var resolved = "/"
        var existing = true
        for component in absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if component == "." { continue }
            if component == ".." {
                resolved = parent(of: resolved)
                continue
            }
            let candidate = resolved == "/" ? "/" + component : resolved + "/" + component
            var status = stat()
            if existing, lstat(candidate, &status) == 0, let real = realpath(candidate, nil) {
                resolved = String(cString: real)
                free(real)
            } else {
                existing = false
                resolved = candidate
            }
        }
        return resolved
    }

    /// Whether `path` lies strictly inside `folder` (both resolved).
    public static func isInside(_ path: String, _ folder: String) -> Bool {
        folder == "/" ? path != "/" : path.hasPrefix(folder + "/")
    }

    /// The folder holding `path` ("/" for the root and its entries).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
