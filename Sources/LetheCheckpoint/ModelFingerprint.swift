import Foundation
import LetheIO

/// The hash a checkpoint records of its base model, so a job never resumes onto other weights: every file of the
/// model folder by relative path and size, the whole text of its small files (configs, tokenizer) and the header
/// of each safetensors file (names, dtypes, shapes, offsets). Weight bytes themselves are not read (gigabytes for
/// every start); a model whose files keep their names, sizes and headers but change their values is not told apart.
public enum ModelFingerprint {
    /// Small files are hashed whole up to this size.
    static let wholeFileLimit = 4 << 20

    public static func hash(folder: URL) throws -> String {
        let manager = FileManager.default
        let root = folder.resolvingSymlinksInPath()
        let files = (manager.subpaths(atPath: root.path) ?? []).sorted().filter { path in
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue && !path.split(separator: "/").contains { $0.hasPrefix(".") }
        }
        var description: [UInt8] = []
        for path in files {
            let url = root.appendingPathComponent(path)
            let size = (try? manager.attributesOfItem(atPath: url.path)[.size] as? Int) ?? -1
            description += Array("\(path)\t\(size)\n".utf8)
            if path.hasSuffix(".safetensors") {
                let head = try InputFile.prefix(url.path, count: 8)
                let length = head.count == 8 ? head.reversed().reduce(0) { $0 << 8 | Int($1) } : 0
                description += try InputFile.prefix(url.path, count: 8 + min(max(length, 0), 100 << 20))
            } else if size >= 0, size <= wholeFileLimit {
                description += try InputFile.read(url.path, limit: wholeFileLimit)
            }
        }
        return SHA256Hex.of(description)
    }
}
