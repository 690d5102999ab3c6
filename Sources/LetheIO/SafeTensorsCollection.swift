import Foundation
import LetheTensor

/// One merged view of the tensors of several safetensors files: a single file, a sharded checkpoint (through its
/// index) or a folder of them. Every tensor name lives in exactly one file.
public final class SafeTensorsCollection: SafeTensorsReader {
    /// What was opened (a file, an index or a folder).
    public let location: String
    /// The files, in the order they were found (shards sorted by name).
    public let files: [SafeTensorsFile]
    /// The indexes the shards were found through, with their URLs.
    public let indexes: [(url: URL, index: SafeTensorsIndex)]
    public let tensorNames: [String]
    private let owners: [String: Int]

    /// Merges `files`, rejecting a tensor name found in two of them.
    public init(files: [SafeTensorsFile], indexes: [(url: URL, index: SafeTensorsIndex)] = [], location: String) throws(SafeTensorsError) {
        var owners: [String: Int] = [:]
        for (position, file) in files.enumerated() {
            for info in file.tensorsInDataOrder {
                if let previous = owners.updateValue(position, forKey: info.name) {
                    throw .tensorInSeveralFiles(tensor: info.name, first: files[previous].path, second: file.path)
                }
            }
        }
        self.location = location
        self.files = files
        self.indexes = indexes
        self.owners = owners
        tensorNames = Array(owners.keys).sortedByUTF8()
    }

    /// Opens a safetensors file, a shard index (`*.json`) or a folder (its indexes with their shards, plus any
    /// other `*.safetensors` file in it; not recursive).
    public static func open(_ url: URL) throws(SafeTensorsError) -> SafeTensorsCollection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .io(path: url.path, operation: "open", reason: "No such file or directory")
        }
        if isDirectory.boolValue { return try openFolder(url) }
        if url.lastPathComponent.hasSuffix(".json") { return try openIndex(url) }
        return try SafeTensorsCollection(files: [SafeTensorsFile.open(url)], location: url.path)
    }

    /// Opens a sharded checkpoint through its index, checking that every shard exists and holds exactly the
    /// tensors the weight map gives it.
    public static func openIndex(_ url: URL) throws(SafeTensorsError) -> SafeTensorsCollection {
        let index = try SafeTensorsIndex.load(from: url)
        let shards = try openShards(of: index, at: url)
        return try SafeTensorsCollection(files: shards, indexes: [(url, index)], location: url.path)
    }

    /// The file holding a tensor.
    public func file(containing name: String) -> SafeTensorsFile? {
        owners[name].map { files[$0] }
    }

    public func info(named name: String) -> SafeTensorInfo? { file(containing: name)?.info(named: name) }

    public func releaseResidentPages() { files.forEach { $0.releaseResidentPages() } }

    public func tensor(named name: String) throws(SafeTensorsError) -> Tensor {
        try requireFile(name).tensor(named: name)
    }

    public func decodeFloat32(named name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(SafeTensorsError) {
        try requireFile(name).decodeFloat32(named: name, into: destination, count: count)
    }

    public func int64Values(named name: String) throws(SafeTensorsError) -> [Int64] {
        try requireFile(name).int64Values(named: name)
    }

    public func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try requireFile(name).withRawBytes(named: name, body)
    }

    private func requireFile(_ name: String) throws(SafeTensorsError) -> SafeTensorsFile {
        guard let file = file(containing: name) else { throw .tensorNotFound(path: location, tensor: name) }
        return file
    }

    private static func openShards(of index: SafeTensorsIndex, at url: URL) throws(SafeTensorsError) -> [SafeTensorsFile] {
        let folder = url.deletingLastPathComponent()
        var shards: [String: SafeTensorsFile] = [:]
        for name in index.shardNames {
            let shardURL = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: shardURL.path) else {
                throw .shardMissing(index: url.path, shard: shardURL.path)
            }
            shards[name] = try SafeTensorsFile.open(shardURL)
        }
        for tensor in Array(index.weightMap.keys).sortedByUTF8() {
            guard let shardName = index.weightMap[tensor], let shard = shards[shardName] else { continue }
            guard shard.info(named: tensor) != nil else {
                throw .tensorMissingFromShard(index: url.path, tensor: tensor, shard: shard.path)
            }
        }
        for name in index.shardNames {
            guard let shard = shards[name] else { continue }
            for tensor in shard.tensorNames where index.weightMap[tensor] != name {
                guard let listed = index.weightMap[tensor], let owner = shards[listed] else {
                    throw .tensorNotInIndex(index: url.path, tensor: tensor, shard: shard.path)
                }
                throw .tensorInSeveralFiles(tensor: tensor, first: owner.path, second: shard.path)
            }
        }
        return index.shardNames.compactMap { shards[$0] }
    }

    /// Opens every checkpoint in a folder and merges them (a name in two of them is an error).
    private static func openFolder(_ url: URL) throws(SafeTensorsError) -> SafeTensorsCollection {
        let checkpoints = try checkpoints(inFolder: url)
        return try SafeTensorsCollection(files: checkpoints.flatMap(\.files), indexes: checkpoints.flatMap(\.indexes),
                                         location: url.path)
    }

    /// Whether a folder directly holds a `*.safetensors` file or a shard index (a cheap listing, nothing opened).
    public static func folderHoldsCheckpoints(_ url: URL) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return entries.contains { $0.hasSuffix(".safetensors") || SafeTensorsIndex.isIndexFileName($0) }
    }

    /// The checkpoints in a folder, each on its own: every shard index with its shards (diffusers names a variant's
    /// index `NAME.safetensors.index.VARIANT.json`), then every other `*.safetensors` file. Not recursive. A folder
    /// holding both `model.safetensors` and `model.fp16.safetensors` gives two checkpoints with the same names.
    public static func checkpoints(inFolder url: URL) throws(SafeTensorsError) -> [SafeTensorsCollection] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: url.path).sortedByUTF8()
        } catch {
            throw .io(path: url.path, operation: "list", reason: FileSystemErrorText.reason(error))
        }
        var checkpoints: [SafeTensorsCollection] = []
        var covered = Set<String>()
        for name in entries where SafeTensorsIndex.isIndexFileName(name) {
            let indexURL = url.appendingPathComponent(name)
            let index = try SafeTensorsIndex.load(from: indexURL)
            checkpoints.append(try SafeTensorsCollection(files: openShards(of: index, at: indexURL),
                                                         indexes: [(indexURL, index)], location: indexURL.path))
            covered.formUnion(index.shardNames.map { url.appendingPathComponent($0).standardizedFileURL.path })
        }
        for name in entries where name.hasSuffix(".safetensors") {
            let fileURL = url.appendingPathComponent(name)
            guard !covered.contains(fileURL.standardizedFileURL.path) else { continue }
            checkpoints.append(try SafeTensorsCollection(files: [SafeTensorsFile.open(fileURL)], location: fileURL.path))
        }
        guard !checkpoints.isEmpty else { throw .noSafeTensorsFound(path: url.path) }
        return checkpoints
    }
}
