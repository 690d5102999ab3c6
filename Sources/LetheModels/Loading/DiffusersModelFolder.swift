import Foundation
import LetheIO

/// A diffusers pipeline folder (model_index.json plus one subfolder per component), as `from_pretrained` reads it.
public struct DiffusersModelFolder: Sendable {
    public let url: URL
    /// model_index.json: component name → [library, class name] (e.g. "unet": ["diffusers", "UNet2DConditionModel"]).
    public let components: [String: [String]]
    /// The weights variant to prefer ("fp16" reads `*.fp16.safetensors`); nil reads the full-precision files and
    /// falls back to the only variant present.
    public let variant: String?

    public init(url: URL, variant: String? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelLoadingError.missingFolder(path: url.path)
        }
        let indexURL = url.appendingPathComponent("model_index.json")
        let object = try JSONConfig.load(indexURL, expected: "a diffusers model_index.json")
        var components: [String: [String]] = [:]
        for (key, value) in object where !key.hasPrefix("_") {
            if let pair = value as? [Any], pair.count == 2, let library = pair[0] as? String, let type = pair[1] as? String {
                components[key] = [library, type]
            }
        }
        self.url = url
        self.components = components
        self.variant = variant
    }

    /// The folder of a component, which must exist.
    public func componentFolder(_ name: String) throws -> URL {
        let folder = url.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            var status = stat()
            if lstat(folder.path, &status) == 0 {
                let reason = (status.st_mode & S_IFMT) == S_IFLNK
                    ? "it is a symbolic link that does not lead to a folder (broken, or a loop)" : "it is not a folder"
                throw ModelLoadingError.unreadableFile(path: folder.path, reason: reason)
            }
            throw ModelLoadingError.missingFile(path: folder.path, expected: "the \(name) component folder of this pipeline")
        }
        return folder
    }

    /// A component's config.json (or another JSON file in its folder) as raw data.
    public func componentFile(_ name: String, _ file: String) throws -> URL {
        let fileURL = try componentFolder(name).appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: fileURL.path) else {
            throw ModelLoadingError.missingFile(path: fileURL.path, expected: "\(file) of the \(name) component")
        }
        return fileURL
    }

    /// The weights of a component: `BASE.safetensors`, `BASE.VARIANT.safetensors`, or a sharded set through
    /// `BASE.safetensors.index.json` / `BASE.safetensors.index.VARIANT.json`, where BASE is
    /// `diffusion_pytorch_model` (diffusers) or `model` (transformers).
    public func weights(of name: String) throws -> SafeTensorsCollection {
        let folder = try componentFolder(name)
        let candidates = WeightFileCandidates(variant: variant)
        for file in candidates.fileNames where FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) {
            return try SafeTensorsCollection.open(folder.appendingPathComponent(file))
        }
        // Say why nothing matched: a candidate that exists as a name but cannot be opened (a broken or looping
        // symbolic link), or the weight files present under another variant.
        for file in candidates.fileNames {
            let path = folder.appendingPathComponent(file).path
            var status = stat()
            if lstat(path, &status) == 0 {
                do { try InputFile.checkReadable(path) } catch {
                    throw ModelLoadingError.unreadableFile(path: path, reason: error.message)
                }
            }
        }
        let present = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".json") && $0.contains(".safetensors.index") }.sorted()
        let found = present.isEmpty ? "it has no safetensors files" : "it has \(ErrorText.list(present))"
        throw ModelLoadingError.noWeights(
            folder: folder.path,
            expected: "safetensors weights\(variant.map { " of variant '\($0)'" } ?? "") (one of \(candidates.fileNames.joined(separator: ", ")))",
            found: found)
    }
}

/// The weight file names diffusers looks for, in the order Lethe tries them.
struct WeightFileCandidates {
    let fileNames: [String]

    init(variant: String?) {
        let bases = ["diffusion_pytorch_model", "model"]
        func names(_ variant: String?) -> [String] {
            bases.flatMap { base in
                variant.map { ["\(base).\($0).safetensors", "\(base).safetensors.index.\($0).json"] }
                    ?? ["\(base).safetensors", "\(base).safetensors.index.json"]
            }
        }
        // An explicit variant is required; without one, full precision first, then the common fp16 variant.
        fileNames = variant.map { names($0) } ?? (names(nil) + names("fp16"))
    }
}

/// Reading a JSON object from a config file, with errors that name the file.
enum JSONConfig {
    static func load(_ url: URL, expected: String) throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelLoadingError.missingFile(path: url.path, expected: expected)
        }
        let data = try read(url)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelLoadingError.unreadableConfig(path: url.path, reason: "not a JSON object")
        }
        return object
    }

    /// The file's bytes through `InputFile`, not `Data(contentsOf:)`, which blocks on a FIFO and (in the
    /// toolchain's Foundation) leaks its read buffer when the file is empty.
    static func read(_ url: URL) throws -> Data {
        do {
            return try InputFile.data(url)
        } catch {
            throw ModelLoadingError.unreadableConfig(path: url.path, reason: error.message)
        }
    }

    /// Decodes a Codable config, naming the file and the key on failure.
    static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelLoadingError.missingFile(path: url.path, expected: "a config.json")
        }
        let data = try read(url)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw ModelLoadingError.unreadableConfig(path: url.path, reason: error.explanation(in: data, decoding: T.self))
        } catch {
            throw ModelLoadingError.unreadableConfig(path: url.path, reason: FileSystemErrorText.reason(error))
        }
    }
}
