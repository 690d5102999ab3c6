import Foundation
import LetheIO

/// One checkpoint (a file or a sharded set) as `lethe inspect` reports it.
struct InspectedCheckpoint: Encodable {
    struct Entry: Encodable {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: Int
        var file: String
    }

    var path: String
    var files: [String]
    var metadata: [String: String]
    var parameters: Int
    var bytes: Int
    var tensors: [Entry]

    init(_ checkpoint: SafeTensorsCollection) {
        path = checkpoint.location
        files = checkpoint.files.map(\.path)
        metadata = checkpoint.files.reduce(into: [:]) { merged, file in
            merged.merge(file.metadata ?? [:]) { first, _ in first }
        }
        tensors = checkpoint.infos.map { info in
            Entry(name: info.name, dtype: info.dtype.rawValue, shape: info.shape, bytes: info.byteCount,
                  file: checkpoint.file(containing: info.name).map { URL(fileURLWithPath: $0.path).lastPathComponent } ?? "")
        }
        parameters = checkpoint.infos.reduce(0) { $0 + $1.elementCount }
        bytes = tensors.reduce(0) { $0 + $1.bytes }
    }

    /// The checkpoints at `url`: a file or index gives one; a folder gives each of its checkpoints; a folder with
    /// none of its own (a diffusers model folder) gives those of each subfolder, in name order.
    static func discover(at url: URL) throws -> [InspectedCheckpoint] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InspectError.notFound(path: url.path)
        }
        guard isDirectory.boolValue else { return [InspectedCheckpoint(try SafeTensorsCollection.open(url))] }
        if SafeTensorsCollection.folderHoldsCheckpoints(url) {
            return try SafeTensorsCollection.checkpoints(inFolder: url).map(InspectedCheckpoint.init)
        }
        let subfolders = (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isDirectoryKey]))?
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent } ?? []
        var found: [InspectedCheckpoint] = []
        for folder in subfolders where SafeTensorsCollection.folderHoldsCheckpoints(folder) {
            found += try SafeTensorsCollection.checkpoints(inFolder: folder).map(InspectedCheckpoint.init)
        }
        guard !found.isEmpty else { throw InspectError.nothingFound(path: url.path) }
        return found
    }

    func table() -> String {
        let nameWidth = max(4, tensors.map(\.name.count).max() ?? 0)
        let shapeWidth = max(5, tensors.map { Self.shapeText($0.shape).count }.max() ?? 0)
        let shardNote = files.count > 1 ? "\(files.count) shards, " : ""
        let tensorCount = tensors.count == 1 ? "1 tensor" : "\(tensors.count) tensors"
        var lines = ["\(path)  (\(shardNote)\(tensorCount), \(parameters.formatted()) parameters, \(Self.sizeText(bytes)))"]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { lines.append("  metadata \(key): \(value)") }
        lines.append("  " + "name".padding(nameWidth) + "  dtype  " + "shape".padding(shapeWidth) + "  size")
        for entry in tensors {
            lines.append("  " + entry.name.padding(nameWidth) + "  " + entry.dtype.padding(5) + "  "
                         + Self.shapeText(entry.shape).padding(shapeWidth) + "  " + Self.sizeText(entry.bytes))
        }
        return lines.joined(separator: "\n")
    }

    static func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    /// Bytes in binary units, as `ls -h` and PyTorch users read them.
    static func sizeText(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

enum InspectError: Error, CustomStringConvertible {
    case notFound(path: String)
    case nothingFound(path: String)

    var description: String {
        switch self {
        case .notFound(let path): "\(path): no such file or folder"
        case .nothingFound(let path): "\(path): no safetensors files in this folder or its subfolders"
        }
    }
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
