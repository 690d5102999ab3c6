import Foundation

extension SafeTensorsWriter {
    /// Writes `entries` split into shards of at most `maxShardSize` data bytes, as transformers and diffusers do
    /// (huggingface_hub's splitting rule): entries are taken in the given order and a shard is closed when the next
    /// entry would overflow it; an entry larger than the limit gets a shard of its own.
    ///
    /// Several shards are named `<baseName>-00001-of-00003.safetensors` and listed by
    /// `<baseName>.safetensors.index.json` (metadata `total_size`); a single shard is written as
    /// `<baseName>.safetensors` without an index. Files of an earlier save under the same base name that the new
    /// layout does not use (old shards, a stale index or single file) are removed afterwards, so the folder opens
    /// as one consistent checkpoint. Each file is written atomically; `metadata` goes into every shard's header.
    ///
    /// - Returns: the URLs written, shards first, then the index if there is one.
    @discardableResult
    public static func writeSharded(
        entries: [SafeTensorsEntry], metadata: [String: String]? = nil, maxShardSize: Int,
        to directory: URL, baseName: String = "model"
    ) throws(SafeTensorsError) -> [URL] {
        guard maxShardSize > 0 else { throw .invalidShardSize(maxShardSize) }
        let indexURL = directory.appendingPathComponent(baseName + SafeTensorsIndex.fileNameSuffix)
        var sizes: [Int] = []
        var seen = Set<String>()
        for entry in entries {
            guard seen.insert(entry.name).inserted else { throw .duplicateTensorToWrite(path: indexURL.path, tensor: entry.name) }
            sizes.append(try byteCount(of: entry, path: indexURL.path))
        }
        let shards = planShards(sizes: sizes, maxShardSize: maxShardSize)

        if shards.count <= 1 {
            let url = directory.appendingPathComponent(baseName + ".safetensors")
            try write(entries: entries, metadata: metadata, to: url)
            removeStaleFiles(in: directory, baseName: baseName, keeping: [url.lastPathComponent])
            return [url]
        }

        var written: [URL] = []
        var weightMap: [String: String] = [:]
        for (position, members) in shards.enumerated() {
            let name = shardFileName(baseName: baseName, number: position + 1, of: shards.count)
            let url = directory.appendingPathComponent(name)
            try write(entries: members.map { entries[$0] }, metadata: metadata, to: url)
            for member in members { weightMap[entries[member].name] = name }
            written.append(url)
        }
        let index = SafeTensorsIndex(metadata: ["total_size": .integer(sizes.reduce(0, +))], weightMap: weightMap)
        try index.write(to: indexURL)
        written.append(indexURL)
        removeStaleFiles(in: directory, baseName: baseName, keeping: Set(written.map(\.lastPathComponent)))
        return written
    }

    /// `<baseName>-00002-of-00005.safetensors` (numbers padded to five digits).
    public static func shardFileName(baseName: String, number: Int, of total: Int) -> String {
        func padded(_ value: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
        }
        return "\(baseName)-\(padded(number))-of-\(padded(total)).safetensors"
    }

    /// Groups entry positions into shards by huggingface_hub's rule (see `writeSharded`).
    static func planShards(sizes: [Int], maxShardSize: Int) -> [[Int]] {
        var shards: [[Int]] = []
        var current: [Int] = []
        var currentSize = 0
        for (position, size) in sizes.enumerated() {
            if size > maxShardSize {
                // Like the reference, an oversized entry's shard comes before the one still being filled.
                shards.append([position])
                continue
            }
            if currentSize + size > maxShardSize {
                shards.append(current)
                current = []
                currentSize = 0
            }
            current.append(position)
            currentSize += size
        }
        if !current.isEmpty { shards.append(current) }
        return shards
    }

    /// Removes `<baseName>.safetensors`, its index and `<baseName>-NNNNN-of-NNNNN.safetensors` files not kept.
    private static func removeStaleFiles(in directory: URL, baseName: String, keeping kept: Set<String>) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where !kept.contains(name) && belongsToCheckpoint(name, baseName: baseName) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    static func belongsToCheckpoint(_ name: String, baseName: String) -> Bool {
        if name == baseName + ".safetensors" || name == baseName + SafeTensorsIndex.fileNameSuffix { return true }
        let prefix = baseName + "-"
        let suffix = ".safetensors"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return false }
        let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
        let parts = middle.components(separatedBy: "-of-")
        return parts.count == 2 && parts.allSatisfy { $0.count >= 5 && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
